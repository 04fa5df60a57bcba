using SysopsFast.Grep;
using SysopsFast.Pipeline;
using SysopsFast.Redis;
using SysopsFast.Topology;

namespace SysopsFast;

/// <summary>
/// The library's entry point: the same calls the CLI makes. Create one per process (it owns the
/// connections) and run any number of queries on it.
/// </summary>
public sealed class FleetQuery : IAsyncDisposable
{
    private readonly RedisConnections _connections;

    /// <summary>Each server is a core of its own (no topology).</summary>
    public FleetQuery(IEnumerable<ServerAddress> servers, ExtractOptions? options = null)
        : this(FleetTopology.FromServers(servers), new QueryTargeting(), options)
    {
    }

    /// <summary>The cores of <paramref name="topology"/> that <paramref name="targeting"/> selects.</summary>
    public FleetQuery(FleetTopology topology, QueryTargeting targeting, ExtractOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(targeting);
        if (topology.Cores.Count == 0)
        {
            throw Errors.BadArgument("no server to ask; give at least one --server or a topology file");
        }
        Topology = topology;
        Targeting = targeting;
        Cores = topology.Select(targeting.Scope, targeting.Site);
        Servers = Cores.SelectMany(c => c.Servers).Distinct().ToArray();
        Options = options ?? new ExtractOptions();
        _connections = new RedisConnections(Options.CommandTimeout);
    }

    public FleetTopology Topology { get; }

    public QueryTargeting Targeting { get; }

    /// <summary>The cores in scope.</summary>
    public IReadOnlyList<Core> Cores { get; }

    /// <summary>Servers given as text (<c>redis://host:port</c> or <c>host:port</c>).</summary>
    public FleetQuery(params string[] servers) : this(servers.Select(ServerAddress.Parse)) { }

    /// <summary>Every server of the cores in scope.</summary>
    public IReadOnlyList<ServerAddress> Servers { get; }

    public ExtractOptions Options { get; }

    internal RedisConnections Connections => _connections;

    /// <summary>Greps every record whose key matches the object pattern and feeds the sinks.</summary>
    public async Task<GrepResult> GrepAsync(GrepRequest request, IGrepSinkFactory sinks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var matcher = MatcherFactory.Create(request.Pattern, request.Regex, request.IgnoreCase);
        var processors = new GrepRecordProcessorFactory(matcher, request.Invert, sinks);
        // Grep reads only contents, so records with the same md5 may be fetched once (the header
        // fields that differ, such as mtime, are not looked at).
        var summary = await RunAsync(request.ObjectPattern, processors, Options.DeduplicateIdenticalContents, cancellationToken);
        return new GrepResult(summary, processors.RecordsWithSelection, processors.SelectedLines);
    }

    /// <summary><c>grep --uniq</c>: identical selected lines counted across the fleet, most frequent first.</summary>
    public async Task<(IReadOnlyList<UniqCount> Counts, GrepResult Result)> GrepUniqAsync(GrepRequest request, CancellationToken cancellationToken = default)
    {
        var sink = new UniqCountSinkFactory();
        var result = await GrepAsync(request, sink, cancellationToken);
        return (sink.Result, result);
    }

    /// <summary>
    /// The selected lines as they are found, in no particular order across hosts. Breaking out of the
    /// loop stops the query. Errors (unreachable server, …) are thrown from the enumeration.
    /// </summary>
    public async IAsyncEnumerable<GrepLine> GrepLinesAsync(GrepRequest request, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<GrepLine>(new UnboundedChannelOptions { SingleReader = true });
        using var slots = new SemaphoreSlim(4096);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var query = Task.Run(async () =>
        {
            try
            {
                await GrepAsync(request, new ChannelSinkFactory(channel.Writer, slots, stop.Token), stop.Token);
                channel.Writer.TryComplete();
            }
            catch (Exception e)
            {
                channel.Writer.TryComplete(e);
            }
        }, CancellationToken.None);
        try
        {
            await foreach (var line in channel.Reader.ReadAllAsync(CancellationToken.None))
            {
                slots.Release();
                yield return line;
            }
        }
        finally
        {
            // The caller stopped early (or finished): end the query and let blocked workers go.
            await stop.CancelAsync();
            channel.Writer.TryComplete();
            await query;
        }
    }

    /// <summary>Runs any record processor over the records whose key matches <paramref name="objectPattern"/>.</summary>
    /// Each record comes with its own header (dump needs each host's mode and mtime), so nothing is deduplicated.
    public Task<ExtractSummary> RunAsync(string objectPattern, IRecordProcessorFactory processors, CancellationToken cancellationToken = default) =>
        RunAsync(objectPattern, processors, deduplicate: false, cancellationToken);

    private async Task<ExtractSummary> RunAsync(string objectPattern, IRecordProcessorFactory processors, bool deduplicate, CancellationToken cancellationToken)
    {
        var targets = CoreTarget.Plan(Cores, Targeting.NoLoadBalance, Targeting.Random);
        var hosts = Targeting.Hosts is { IsEmpty: false } filter ? filter : null;
        using var dictionaries = new Format.CompressionDictionaries();
        var source = new RedisRecordSource(_connections, targets, ObjectKey.ToKeyGlob(objectPattern), Options, Targeting.AllowPartial, hosts, Targeting.Scan, dictionaries, deduplicate);
        var summary = await ExtractPipeline.RunAsync(source, processors, Options, cancellationToken);
        if (summary.KeysDiscovered == 0 && !summary.Partial)
        {
            throw hosts is null
                ? Errors.NothingMatched(objectPattern, summary.Servers)
                : Errors.NothingMatchedAmongHosts(objectPattern, hosts.Description, summary.Servers);
        }
        return summary;
    }

    public ValueTask DisposeAsync() => _connections.DisposeAsync();
}
