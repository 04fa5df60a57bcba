using System.IO.Enumeration;
using System.Text;

namespace SysopsFast.Topology;

/// <summary>
/// Restricts a query to some hosts: every restriction given must hold (a host list from
/// --hosts, a Range result, a --host glob), as in the original: restrictive, not inclusive. Checked
/// on each discovered key before it is fetched; names compare without case, as DNS names do.
/// </summary>
public sealed class HostFilter
{
    private readonly List<HashSet<string>> _sets = [];
    private readonly List<HashSet<string>.AlternateLookup<ReadOnlySpan<char>>> _lookups = [];
    private readonly List<string> _globs = [];
    private readonly List<HashSet<string>.AlternateLookup<ReadOnlySpan<char>>> _excluded = [];

    /// <summary>No restriction: every host passes.</summary>
    public bool IsEmpty => _sets.Count == 0 && _globs.Count == 0 && _excluded.Count == 0;

    /// <summary>What the filter is, for messages.</summary>
    public string Description => string.Join(" and ", _sets.Select(s => $"{s.Count} listed host(s)")
        .Concat(_globs.Select(g => $"hosts matching '{g}'"))
        .Concat(_excluded.Select(e => $"not {e.Set.Count} excluded host(s)")));

    /// <summary>A copy that further restrictions can be added to without changing this one.</summary>
    public HostFilter Clone()
    {
        var copy = new HostFilter();
        copy._sets.AddRange(_sets);
        copy._lookups.AddRange(_lookups);
        copy._globs.AddRange(_globs);
        copy._excluded.AddRange(_excluded);
        return copy;
    }

    /// <summary>Not these hosts.</summary>
    public HostFilter Exclude(IEnumerable<string> hosts)
    {
        _excluded.Add(new HashSet<string>(hosts, StringComparer.OrdinalIgnoreCase).GetAlternateLookup<ReadOnlySpan<char>>());
        return this;
    }

    /// <summary>Only these hosts (an empty list selects nothing, which is what it says).</summary>
    public HostFilter RequireOneOf(IEnumerable<string> hosts)
    {
        var set = new HashSet<string>(hosts.Select(h => h.Trim()).Where(h => h.Length > 0), StringComparer.OrdinalIgnoreCase);
        _sets.Add(set);
        _lookups.Add(set.GetAlternateLookup<ReadOnlySpan<char>>());
        return this;
    }

    /// <summary>Only hosts matching a shell glob (<c>*</c> and <c>?</c>).</summary>
    public HostFilter RequireGlob(string glob)
    {
        _globs.Add(glob);
        return this;
    }

    /// <summary>Reads a host list: one name per line; blank lines and <c>#</c> comments are skipped.</summary>
    public static IEnumerable<string> ReadHostList(TextReader reader)
    {
        while (reader.ReadLine() is { } line)
        {
            var name = line.Split('#', 2)[0].Trim();
            if (name.Length > 0)
            {
                yield return name;
            }
        }
    }

    /// <summary>Whether the host part of <paramref name="key"/> passes the filter.</summary>
    public bool Allows(ReadOnlySpan<byte> key)
    {
        var hostBytes = ObjectKey.HostOf(key);
        Span<char> buffer = hostBytes.Length <= 512 ? stackalloc char[hostBytes.Length] : new char[hostBytes.Length];
        var host = buffer[..Encoding.UTF8.GetChars(hostBytes, buffer)];
        foreach (var lookup in _lookups)
        {
            if (!lookup.Contains(host))
            {
                return false;
            }
        }
        foreach (var glob in _globs)
        {
            if (!FileSystemName.MatchesSimpleExpression(glob, host, ignoreCase: true))
            {
                return false;
            }
        }
        foreach (var excluded in _excluded)
        {
            if (excluded.Contains(host))
            {
                return false;
            }
        }
        return true;
    }
}
