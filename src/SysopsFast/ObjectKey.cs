using System.Text;

namespace SysopsFast;

/// <summary>The key grammar of the original sysops-api: <c>&lt;host&gt;#&lt;object&gt;</c>.</summary>
public static class ObjectKey
{
    /// <summary>Between the host and the object in a key.</summary>
    public const char Separator = '#';

    /// <summary>
    /// Turns a user's object pattern into a SCAN MATCH glob: without <c>#</c> it means
    /// <c>*pattern*</c>; with <c>#</c> it is used as given (the original's rule).
    /// </summary>
    public static string ToKeyGlob(string objectPattern)
    {
        if (string.IsNullOrEmpty(objectPattern))
        {
            throw Errors.BadArgument("the object pattern is empty; give a name such as sysctl-a or /etc/passwd");
        }
        return objectPattern.Contains(Separator, StringComparison.Ordinal) ? objectPattern : "*" + objectPattern + "*";
    }

    /// <summary>The key of <paramref name="objectName"/> on <paramref name="host"/>.</summary>
    public static string Make(string host, string objectName) => host + Separator + objectName;

    /// <summary>The one rule for a host name a writer may store (<see cref="HostNameProblem"/>).</summary>
    public static bool IsHostName(string host) => HostNameProblem(host) is null;

    /// <summary>The longest host name, in UTF-8 bytes: a DNS name's limit.</summary>
    public const int MaxHostNameBytes = 253;

    /// <summary>
    /// Why <paramref name="host"/> cannot be stored as a host name, or null: it must not be blank, nor
    /// longer than <see cref="MaxHostNameBytes"/>, nor hold <c>#</c> (readers split a key at its first
    /// <c>#</c>, so <c>evil#host#/etc/x</c> would read as host <c>evil</c>), '/' or a control character
    /// (a host is a directory of a dump tree).
    /// </summary>
    public static string? HostNameProblem(string host) =>
        string.IsNullOrWhiteSpace(host) ? "it is blank"
        : Encoding.UTF8.GetByteCount(host) > MaxHostNameBytes ? $"it is longer than {MaxHostNameBytes} bytes"
        : host.Contains(Separator, StringComparison.Ordinal) ? "it contains '#', which separates host from object in a key"
        : host.Any(c => c == '/' || char.IsControl(c)) ? "it contains '/' or a control character"
        : null;

    /// <summary>
    /// Whether stored bytes (a catalog member) can be the host part of a key a writer stored: not
    /// empty, no longer than <see cref="MaxHostNameBytes"/>, no <c>#</c>. Other bytes are left to
    /// the key's existence (hostile fleets store control characters, and bytes that are not UTF-8).
    /// </summary>
    public static bool CanBeHostPart(ReadOnlySpan<byte> host) =>
        host.Length is > 0 and <= MaxHostNameBytes && !host.Contains((byte)Separator);

    /// <summary>The key of <paramref name="objectName"/> on <paramref name="host"/>, as UTF-8 bytes.</summary>
    public static byte[] Make(ReadOnlySpan<byte> host, ReadOnlySpan<byte> objectName) => [.. host, (byte)Separator, .. objectName];

    /// <summary>Splits at the first <c>#</c>; a key without one has the whole key as host and an empty object.</summary>
    public static (string Host, string Object) Split(string key)
    {
        var i = key.IndexOf(Separator, StringComparison.Ordinal);
        return i < 0 ? (key, "") : (key[..i], key[(i + 1)..]);
    }

    /// <summary>The host part of a key, as bytes, without allocating.</summary>
    public static ReadOnlySpan<byte> HostOf(ReadOnlySpan<byte> key)
    {
        var i = key.IndexOf((byte)Separator);
        return i < 0 ? key : key[..i];
    }

    internal static string Display(ReadOnlySpan<byte> key) => Encoding.UTF8.GetString(key);
}
