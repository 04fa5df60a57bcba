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
internal sealed class KeyCatalogProducer
{
    private readonly IQueryServer _server;
    private readonly KeyGlobParts _glob;
    private readonly int _pageSize;
    private readonly Topology.HostFilter? _hosts;

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
    public async Task<bool> RunAsync(ChannelWriter<byte[][]> output, SourceStatistics statistics, CancellationToken cancellationToken)
    {
        var oldest = KeyCatalog.OldestLiveScore();
        // Asked together: one round trip whether or not there is a catalog.
        var objects = _server.SortedSetMembersAsync(KeyCatalog.ObjectsKey, oldest);
        var exists = _server.KeyExistsAsync(KeyCatalog.ObjectsKey);
        if (!await exists)
        {
            await objects;
            return false;
        }
        _server.PruneSortedSet(KeyCatalog.ObjectsKey, oldest);

        // Hosts whose own name contains the text (only a contains-pattern selects keys by host
        // alone), filtered by Redis so only the matches cross the wire. That scan covers every host
        // (~0.1 s of Redis time at 100,000), so it runs while the objects whose own name holds the
        // text (every host of theirs is selected anyway) are listed; only the others wait for it.
        var namedHostsTask = _glob.Kind == KeyGlobKind.Contains ? NamedHostsAsync(oldest, cancellationToken) : null;
        HashSet<byte[]>? namedHosts = null;
        var names = await objects;
        var page = new List<byte[]>(_pageSize);
        foreach (var name in names.OrderBy(n => _glob.Select(n, someHostsNamed: false) == HostSelection.None))
        {
            var selection = _glob.Select(name, someHostsNamed: false);
            if (selection == HostSelection.None && namedHostsTask is not null)
            {
                namedHosts ??= await namedHostsTask;
                statistics.Milestone("catalog hosts");
                selection = _glob.Select(name, namedHosts.Count > 0);
            }
            if (selection == HostSelection.None)
            {
                continue;
            }
            var setKey = KeyCatalog.HostsOf(name);
            _server.PruneSortedSet(setKey, oldest);
            // Read a page at a time (memory does not grow with the fleet); ZSCAN may repeat a member.
            var seen = new HashSet<UInt128>();
            await foreach (var hosts in _server.SortedSetScanAsync(setKey, oldest, null, _pageSize, cancellationToken))
            {
                foreach (var host in hosts)
                {
                    // An empty host would make a key of the catalog's own form, which SCAN leaves out.
                    if (host.Length == 0 || !seen.Add(System.IO.Hashing.XxHash128.HashToUInt128(host)))
                    {
                        continue;
                    }
                    var key = ObjectKey.Make(host, name);
                    var wanted = selection switch
                    {
                        HostSelection.All => true,
                        HostSelection.NamedHosts => namedHosts!.Contains(host),
                        HostSelection.HostGlob => RedisGlob.IsMatch(_glob.HostPart, host),
                        _ => RedisGlob.IsMatch(_glob.Whole, key),
                    };
                    if (wanted && (_hosts is null || _hosts.Allows(key)))
                    {
                        page.Add(key);
                        if (page.Count == _pageSize)
                        {
                            await WritePageAsync(_server.Name, page, output, statistics, cancellationToken);
                        }
                    }
                }
            }
        }
        await WritePageAsync(_server.Name, page, output, statistics, cancellationToken);
        if (namedHostsTask is not null)
        {
            await namedHostsTask; // its failure is this server's failure too
        }
        return true;
    }

    private async Task<HashSet<byte[]>> NamedHostsAsync(long oldest, CancellationToken cancellationToken)
    {
        var named = new HashSet<byte[]>(Grep.ByteSequenceComparer.Instance);
        var match = "*" + Encoding.UTF8.GetString(_glob.Literal) + "*";
        await foreach (var hosts in _server.SortedSetScanAsync(KeyCatalog.HostsKey, oldest, match, Math.Max(_pageSize, 10_000), cancellationToken))
        {
            named.UnionWith(hosts);
        }
        return named;
    }

    private static async Task WritePageAsync(string server, List<byte[]> page, ChannelWriter<byte[][]> output, SourceStatistics statistics, CancellationToken cancellationToken)
    {
        if (page.Count == 0)
        {
            return;
        }
        statistics.AddKeys(server, page.Count);
        await output.WriteAsync(page.ToArray(), cancellationToken);
        page.Clear();
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
                var contains = inner.Length > 0 && inner.Length <= whole.Length - 2 && whole[0] == '*' && whole[^1] == '*' && !RedisGlob.HasWildcards(inner);
                return new(contains ? KeyGlobKind.Contains : KeyGlobKind.Unsplittable, whole, inner.ToArray(), [], []);
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
