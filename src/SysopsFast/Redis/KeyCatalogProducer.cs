using System.Text;
using SysopsFast.Pipeline;

namespace SysopsFast.Redis;

/// <summary>
/// Stage 2 (key discovery) from the key catalog: reads the object names, then the host sets of the
/// objects the glob can match, and builds the keys, so a query for one object never touches the
/// other objects' keys. Selects exactly the keys SCAN MATCH would (expired ones aside, which the
/// fetch skips anyway); a glob it cannot split into a host part and an object part, or a server
/// without a catalog, is left to <see cref="KeyScanProducer"/>.
/// </summary>
/// <remarks>
/// Any writer may add members for keys that do not exist (a per-host pusher's ACL cannot limit
/// ZADD's members), so the catalog is a hint, never an answer: a listed key that is gone reads as
/// expired (and key-only queries check that each key exists); a member that no writer could store
/// (not a host name) is ignored and counted; a member scored in the past is kept while its key
/// exists, so re-scoring another host's entry hides nothing; sets are read a ZSCAN page at a time,
/// so memory does not grow with what was added.
/// </remarks>
internal sealed class KeyCatalogProducer
{
    private readonly IQueryServer _server;
    private readonly KeyGlobParts _glob;
    private readonly int _pageSize;
    private readonly Topology.HostFilter? _hosts;
    private KeyPage _page = null!; // RunAsync's, while it runs
    private long _ignored;

    public KeyCatalogProducer(IQueryServer server, string glob, int pageSize, Topology.HostFilter? hosts = null)
    {
        _server = server;
        _glob = KeyGlobParts.Parse(glob);
        _pageSize = pageSize;
        _hosts = hosts;
    }

    /// <summary>Whether the glob has a form the catalog can answer exactly.</summary>
    public bool CanServe => _glob.Kind != KeyGlobKind.Unsplittable;

    /// <summary>Writes the matching keys; false, having written nothing, when the server has no catalog.</summary>
    public async Task<bool> RunAsync(ChannelWriter<KeyPage> output, SourceStatistics statistics, CancellationToken cancellationToken)
    {
        if (!await _server.KeyExistsAsync(KeyCatalog.ObjectsKey))
        {
            return false;
        }
        var oldest = KeyCatalog.OldestLiveScore();
        _page = new KeyPage(_pageSize);
        try
        {
            await ListAsync(oldest, output, statistics, cancellationToken);
        }
        finally
        {
            // The page being filled (empty, unless this stopped early) goes back to the pool.
            _page.Dispose();
        }
        if (_ignored > 0)
        {
            statistics.Warn($"{_server.Name}: {_ignored} key catalog entries ignored: they cannot be host names (empty, longer than {ObjectKey.MaxHostNameBytes} bytes, or holding '#'), so no key of theirs can exist");
        }
        return true;
    }

    private async Task ListAsync(long oldest, ChannelWriter<KeyPage> output, SourceStatistics statistics, CancellationToken cancellationToken)
    {
        // With a contains-pattern, a host whose own name holds the text selects all its keys (only
        // that kind of pattern selects keys by host alone). Whether there is one is asked while the
        // objects whose own name holds the text (every host of theirs is selected anyway) are
        // listed; only if there is are the other objects read, in a second pass.
        var hostNamed = _glob.Kind == KeyGlobKind.Contains ? AnyHostNamedAsync(cancellationToken) : null;
        try
        {
            await ReadObjectsAsync(name => _glob.Select(name, someHostsNamed: false), oldest, output, statistics, cancellationToken);
        }
        catch when (hostNamed is not null)
        {
            // Nothing may still use a server the core leaves.
            await ((Task)hostNamed).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }
        if (hostNamed is not null && await hostNamed)
        {
            statistics.Milestone("catalog hosts");
            await ReadObjectsAsync(name => _glob.Select(name, someHostsNamed: false) == HostSelection.None ? _glob.Select(name, someHostsNamed: true) : HostSelection.None, oldest, output, statistics, cancellationToken);
        }
        await WritePageAsync(output, statistics, cancellationToken);
    }

    /// <summary>
    /// The one object name whose keys the glob selects on this server, read from its catalog's
    /// object names alone: "" when it selects none, null when it may select several (two names, or
    /// for <c>*text*</c> a host named by the text) or the catalog cannot tell (no catalog, a glob
    /// left to SCAN). Names come as Latin-1 text, one character per byte, so any bytes compare exactly.
    /// </summary>
    public async Task<string?> OnlySelectedObjectAsync(CancellationToken cancellationToken)
    {
        if (!CanServe || !await _server.KeyExistsAsync(KeyCatalog.ObjectsKey))
        {
            return null;
        }
        string? only = null;
        await foreach (var names in _server.SortedSetScanAsync(KeyCatalog.ObjectsKey, null, _pageSize, cancellationToken))
        {
            for (var i = 0; i < names.Count; i++)
            {
                // Expired names count too: ReadObjectsAsync reads one while it still has hosts.
                if (_glob.Select(names.Members[i], someHostsNamed: false) == HostSelection.None)
                {
                    continue;
                }
                var name = System.Text.Encoding.Latin1.GetString(names.Members[i]);
                if (only is not null && only != name)
                {
                    return null;
                }
                only = name;
            }
        }
        return _glob.Kind == KeyGlobKind.Contains && await AnyHostNamedAsync(cancellationToken) ? null : only ?? "";
    }

    /// <summary>Reads the object names a page at a time, and the keys of each that <paramref name="select"/> selects.</summary>
    private async Task ReadObjectsAsync(Func<byte[], HostSelection> select, long oldest, ChannelWriter<KeyPage> output, SourceStatistics statistics, CancellationToken cancellationToken)
    {
        var seen = new HashSet<UInt128>();
        await foreach (var names in _server.SortedSetScanAsync(KeyCatalog.ObjectsKey, null, _pageSize, cancellationToken))
        {
            // Each name is kept as an array across the awaits that read its hosts (and for ZREM).
            foreach (var (name, score) in Copy(names))
            {
                var selection = select(name);
                if (selection == HostSelection.None || !seen.Add(System.IO.Hashing.XxHash128.HashToUInt128(name)))
                {
                    continue;
                }
                var listed = await ReadHostsAsync(name, selection, oldest, output, statistics, cancellationToken);
                if (listed == 0 && score < oldest)
                {
                    // No host left, and expired long ago: housekeeping (an admin's query does it; a reader may not).
                    _server.RemoveMembers(KeyCatalog.ObjectsKey, [name]);
                }
            }
        }
    }

    private static List<(byte[] Name, double Score)> Copy(ScoredPage page)
    {
        var copies = new List<(byte[], double)>(page.Count);
        for (var i = 0; i < page.Count; i++)
        {
            copies.Add((page.Members[i].ToArray(), page.Score(i)));
        }
        return copies;
    }

    /// <summary>Adds the selected keys of one object to the page; returns how many of its hosts were listed.</summary>
    private async Task<long> ReadHostsAsync(byte[] name, HostSelection selection, long oldest, ChannelWriter<KeyPage> output, SourceStatistics statistics, CancellationToken cancellationToken)
    {
        var setKey = KeyCatalog.HostsOf(name);
        // ZSCAN may repeat a member.
        var seen = HashSetPool.Rent();
        try
        {
            return await ReadHostsAsync(name, setKey, seen, selection, oldest, output, statistics, cancellationToken);
        }
        finally
        {
            HashSetPool.Return(seen);
        }
    }

    private async Task<long> ReadHostsAsync(byte[] name, byte[] setKey, HashSet<UInt128> seen, HostSelection selection, long oldest, ChannelWriter<KeyPage> output, SourceStatistics statistics, CancellationToken cancellationToken)
    {
        long listed = 0;
        // Each member comes as its key, host#object: one copy per host, not a host and then a key.
        var suffix = ObjectKey.Make([], name);
        await foreach (var keys in _server.SortedSetScanAsync(setKey, null, _pageSize, cancellationToken, ObjectKey.MaxHostNameBytes, suffix))
        {
            seen.EnsureCapacity(seen.Count + keys.Count);
            List<(byte[] Host, byte[] Key)>? stale = null;
            for (var i = 0; i < keys.Count; i++)
            {
                var key = keys.Members[i];
                // A member too long to be a host name comes empty, without the suffix.
                var host = key[..Math.Max(0, key.Length - suffix.Length)];
                // An empty host would make a key of the catalog's own form, which SCAN leaves out.
                if (!ObjectKey.CanBeHostPart(host))
                {
                    _ignored++;
                    continue;
                }
                if (!seen.Add(System.IO.Hashing.XxHash128.HashToUInt128(host)))
                {
                    continue;
                }
                listed++;
                if (!Wanted(selection, host, key))
                {
                    continue;
                }
                if (keys.Score(i) < oldest)
                {
                    (stale ??= []).Add((host.ToArray(), key.ToArray()));
                    continue;
                }
                if (Add(key))
                {
                    await WritePageAsync(output, statistics, cancellationToken);
                }
            }
            await AddStaleAsync(setKey, stale, output, statistics, cancellationToken);
        }
        return listed;
    }

    /// <summary>
    /// Entries scored before now − grace: expired, or re-scored by a writer to hide them. Those whose
    /// key exists are listed; the others are removed (not waited for; an admin's query does it).
    /// </summary>
    private async Task AddStaleAsync(byte[] setKey, List<(byte[] Host, byte[] Key)>? stale, ChannelWriter<KeyPage> output, SourceStatistics statistics, CancellationToken cancellationToken)
    {
        if (stale is null)
        {
            return;
        }
        var exists = await _server.KeysExistAsync([.. stale.Select(s => s.Key)]);
        var gone = new List<byte[]>();
        for (var i = 0; i < stale.Count; i++)
        {
            if (!exists[i])
            {
                gone.Add(stale[i].Host);
            }
            else if (Add(stale[i].Key))
            {
                await WritePageAsync(output, statistics, cancellationToken);
            }
        }
        if (gone.Count > 0)
        {
            _server.RemoveMembers(setKey, [.. gone]);
        }
    }

    private bool Wanted(HostSelection selection, ReadOnlySpan<byte> host, ReadOnlySpan<byte> key) =>
        selection switch
        {
            HostSelection.All => true,
            // The host's own name holds the text (Redis would have matched it with *text*).
            HostSelection.NamedHosts => host.IndexOf(_glob.Literal) >= 0,
            HostSelection.HostGlob => RedisGlob.IsMatch(_glob.HostPart, host),
            _ => RedisGlob.IsMatch(_glob.Whole, key),
        } && (_hosts is null || _hosts.Allows(key));

    /// <summary>Adds a key to the page; true when the page is full.</summary>
    private bool Add(ReadOnlySpan<byte> key)
    {
        _page.Add(key);
        return _page.Count >= _pageSize;
    }

    /// <summary>
    /// Whether some host's own name holds the contains-pattern's text. The host-name index proves
    /// "none" without reading a host name (<see cref="HostNameGrams"/>); otherwise the host set is
    /// scanned, and the first valid member that holds the text ends the scan. Scored members in the
    /// past count too (re-scoring must not hide a host); stale ones cost a second pass, never a
    /// wrong answer.
    /// </summary>
    private async Task<bool> AnyHostNamedAsync(CancellationToken cancellationToken)
    {
        if (await HostNameGrams.ProveNoHostHoldsAsync(_server, _glob.Literal))
        {
            return false;
        }
        var match = "*" + Encoding.UTF8.GetString(_glob.Literal) + "*";
        await foreach (var hosts in _server.SortedSetScanAsync(KeyCatalog.HostsKey, match, Math.Max(_pageSize, 10_000), cancellationToken, ObjectKey.MaxHostNameBytes))
        {
            for (var i = 0; i < hosts.Count; i++)
            {
                if (ObjectKey.CanBeHostPart(hosts.Members[i]))
                {
                    return true;
                }
            }
        }
        return false;
    }

    /// <summary>Hands the page filled so far to the fetch stage (which disposes it) and starts another.</summary>
    private async Task WritePageAsync(ChannelWriter<KeyPage> output, SourceStatistics statistics, CancellationToken cancellationToken)
    {
        if (_page.Count == 0)
        {
            return;
        }
        statistics.AddKeys(_server.Name, _page.Count);
        var full = _page;
        _page = new KeyPage(_pageSize);
        await full.WriteToAsync(output, cancellationToken);
    }

    private enum HostSelection
    {
        None,
        All,
        NamedHosts,
        HostGlob,
        WholeKey,
    }

    private enum KeyGlobKind
    {
        /// <summary><c>*text*</c> with literal text and no <c>#</c>: the host or the object contains the text.</summary>
        Contains,

        /// <summary><c>*text</c> with literal text and no <c>#</c>: the object's name ends with the text.</summary>
        Suffix,

        /// <summary><c>hostglob#objectglob</c>, the host part free of classes and escapes.</summary>
        HostAndObject,

        Unsplittable,
    }

    /// <summary>A SCAN glob taken apart along the key grammar.</summary>
    private sealed record KeyGlobParts(KeyGlobKind Kind, byte[] Whole, byte[] Literal, byte[] HostPart, byte[] ObjectPart)
    {
        public static KeyGlobParts Parse(string glob)
        {
            var whole = Encoding.UTF8.GetBytes(glob);
            var hash = whole.AsSpan().IndexOf((byte)ObjectKey.Separator);
            if (hash < 0)
            {
                var inner = whole.AsSpan().Trim((byte)'*');
                var literal = inner.Length > 0 && whole[0] == '*' && !RedisGlob.HasWildcards(inner);
                var shape = !literal ? KeyGlobKind.Unsplittable
                    : whole[^1] == '*' ? KeyGlobKind.Contains
                    : KeyGlobKind.Suffix;
                return new(shape, whole, inner.ToArray(), [], []);
            }
            // A class or an escape before the first '#' could hide another '#': leave those to SCAN.
            var host = whole.AsSpan(0, hash);
            var kind = host.IndexOfAny("[\\"u8) >= 0 ? KeyGlobKind.Unsplittable : KeyGlobKind.HostAndObject;
            return new(kind, whole, [], host.ToArray(), whole.AsSpan(hash + 1).ToArray());
        }

        /// <summary>Which hosts of an object the glob selects.</summary>
        public HostSelection Select(ReadOnlySpan<byte> objectName, bool someHostsNamed)
        {
            if (Kind == KeyGlobKind.Contains)
            {
                return objectName.IndexOf(Literal) >= 0 ? HostSelection.All : someHostsNamed ? HostSelection.NamedHosts : HostSelection.None;
            }
            // host#object ends with a text free of '#' exactly when the object's name does: a longer
            // text would reach back over the '#' before the object.
            if (Kind == KeyGlobKind.Suffix)
            {
                return objectName.EndsWith(Literal) ? HostSelection.All : HostSelection.None;
            }
            // Host names hold no '#', so with one '#' in the key the glob's '#' can only match it;
            // an object name with a '#' of its own gets the whole glob tried on each key.
            if (objectName.IndexOf((byte)ObjectKey.Separator) >= 0)
            {
                return HostSelection.WholeKey;
            }
            // An empty host part matches only an empty host name, and no key has one (the
            // catalog's own keys, which SCAN would find, are never answers).
            if (HostPart.Length == 0 || !RedisGlob.IsMatch(ObjectPart, objectName))
            {
                return HostSelection.None;
            }
            return HostPart.AsSpan().TrimStart((byte)'*').IsEmpty ? HostSelection.All : HostSelection.HostGlob;
        }
    }
}
