using System.Text;
using SysopsFast.Redis;

namespace SysopsFast.Push;

/// <summary>
/// Objects that must never reach the fleet's store, where every reader could read them: push
/// leaves them out, import refuses them unless allowed. Globs in Redis's dialect, matched against
/// the object name (<c>/etc/shadow</c>, <c>cmd/x</c>; a pushed symlink is named by its real path, every link on the way resolved, and a regular file
/// of the outgoing directory is also matched by its real path).
/// </summary>
public sealed class SensitiveObjects
{
    /// <summary>Password hashes (and the backups `vipw` leaves), SSH private keys (users' and the host's, not their .pub), TLS private keys (<c>*.key</c>, <c>*.pem</c> in a <c>private</c> directory).</summary>
    public static readonly IReadOnlyList<string> DefaultGlobs = ["/etc/shadow*", "/etc/gshadow*", "*id_rsa*", "*id_ecdsa*", "*id_ed25519*", "*ssh_host_*_key", "*.key", "*/private/*.pem", "/etc/ssl/private/*"];

    private readonly byte[][] _globs;

    /// <summary>A deny-list of <paramref name="globs"/> (shell globs over object names).</summary>
    public SensitiveObjects(IEnumerable<string> globs)
    {
        Globs = [.. globs];
        _globs = [.. Globs.Select(Encoding.UTF8.GetBytes)];
    }

    /// <summary>The deny-list of <see cref="DefaultGlobs"/>.</summary>
    public static SensitiveObjects Default { get; } = new(DefaultGlobs);

    /// <summary>The globs, as given.</summary>
    public IReadOnlyList<string> Globs { get; }

    /// <summary>Whether <paramref name="objectName"/> is on the deny-list.</summary>
    public bool Matches(string objectName)
    {
        var name = Encoding.UTF8.GetBytes(objectName);
        return _globs.Any(g => RedisGlob.IsMatch(g, name));
    }
}
