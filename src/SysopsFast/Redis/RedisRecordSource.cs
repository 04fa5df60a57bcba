using SysopsFast.Pipeline;

namespace SysopsFast.Redis;

/// <summary>
/// The Redis front of the pipeline. For each core: pick a live server (the candidates in their
/// shuffled order; an unreachable one is skipped), then run a <see cref="KeyCatalogProducer"/> (or,
/// without a catalog, a <see cref="KeyScanProducer"/>) feeding
/// a <see cref="MgetBatchFetcher"/> on it. A server lost in the middle of the query is replaced by
/// the core's next server; <see cref="KeyClaims"/> make sure that what the lost one delivered is
/// neither counted twice nor missed. All cores run at once and share the pipeline's batch channel.
/// </summary>
public sealed class RedisRecordSource : IRecordBatchSource
{
    private readonly RedisConnections _connections;
    private readonly IReadOnlyList<CoreTarget> _targets;
    private readonly RecordSelection _selection;
    private readonly ExtractOptions _options;
    private readonly bool _allowPartial;

    /// <summary>Where reading headers first did not pay lately (a long-lived query's); null: tried on every server.</summary>
    internal DeduplicationMemo? Deduplication { get; init; }

    /// <summary>Reads <paramref name="selection"/> from each core of <paramref name="targets"/>; with <paramref name="allowPartial"/>, a core with no live server is left out instead of failing the query.</summary>
    public RedisRecordSource(RedisConnections connections, IReadOnlyList<CoreTarget> targets, RecordSelection selection, ExtractOptions options, bool allowPartial = false, Format.CompressionDictionaries? dictionaries = null)
    {
        ArgumentNullException.ThrowIfNull(selection);
        // As of a time, whether a key existed then is in its header's time and its history.
        Mode = selection.AsOf is not null && selection.Mode == RecordReadMode.KeyOnly ? RecordReadMode.Header : selection.Mode;
        Dictionaries = Mode == RecordReadMode.Contents ? dictionaries : null;
        _connections = connections;
        _targets = targets;
        _selection = selection;
        _options = options;
        _allowPartial = allowPartial;
        Servers = targets.SelectMany(t => t.Candidates).Select(s => s.ToString()).Distinct().ToArray();
    }

    /// <summary>Every server that may be read, as <c>host:port</c>.</summary>
    public IReadOnlyList<string> Servers { get; }

    /// <inheritdoc/>
    public Format.CompressionDictionaries? Dictionaries { get; }

    /// <inheritdoc/>
    public RecordReadMode Mode { get; }

    /// <inheritdoc/>
    public bool CheckMd5 => _selection.CheckMd5;

    /// <inheritdoc/>
    public async Task ProduceAsync(ChannelWriter<IRecordBatch> output, SourceStatistics statistics, CancellationToken cancellationToken)
    {
        // Choose every core's server before fetching anything: a core with no live server is
        // reported before any output is produced.
        var chosen = await Task.WhenAll(_targets.Select(t => ConnectAsync(t, statistics, cancellationToken)));
        statistics.Milestone("connected");
        await Task.WhenAll(chosen.Where(c => c.Servers.Count > 0).Select(c => RunCoreAsync(c, output, statistics, cancellationToken)));
    }

    private sealed record Chosen(CoreTarget Target, List<(ServerAddress Server, IQueryServer Db)> Servers, Queue<ServerAddress> Untried, Failures Failures);

    /// <summary>Why a core's servers failed: the text for messages, and each error (to tell a configuration error as is).</summary>
    private sealed class Failures
    {
        public List<string> Texts { get; } = [];

        private readonly List<SysopsFastException> _errors = [];

        public int Count => Texts.Count;

        /// <param name="server">The server that failed; null when any of several may have (its name is then left out).</param>
        /// <param name="e">What failed.</param>
        public void Add(ServerAddress? server, SysopsFastException e)
        {
            // A configuration error's message names the server already.
            Texts.Add(e.Kind == ErrorKind.Configuration ? e.Message : server is null ? Errors.Brief(e) : $"{server}: {Errors.Brief(e)}");
            _errors.Add(e);
        }

        /// <summary>The error to report when the core has no server left: a configuration error every server gave, told as is.</summary>
        public Exception Final(string core, Exception? last = null) =>
            _errors.Count > 0 && _errors.All(e => e.Kind == ErrorKind.Configuration) ? _errors[0] : Errors.CoreUnavailable(core, Texts, last);
    }

    private async Task<Chosen> ConnectAsync(CoreTarget target, SourceStatistics statistics, CancellationToken cancellationToken)
    {
        var failures = new Failures();
        var chosen = new List<(ServerAddress, IQueryServer)>();
        var untried = new Queue<ServerAddress>(target.Candidates);
        if (target.AskAll)
        {
            while (untried.Count > 0)
            {
                if (await NextLiveAsync(untried, failures, cancellationToken) is { } live)
                {
                    chosen.Add(live);
                }
            }
        }
        else if (await NextLiveAsync(untried, failures, cancellationToken) is { } first)
        {
            chosen.Add(first);
            if (failures.Count > 0)
            {
                statistics.Warn($"core {target.Core}: {string.Join("; ", failures.Texts)}; using {first.Server} instead");
            }
        }
        var complete = target.AskAll ? failures.Count == 0 : chosen.Count > 0;
        if (!complete)
        {
            if (!_allowPartial)
            {
                throw failures.Final(target.Core.Id);
            }
            statistics.CoreMissing(target.Core.Id, string.Join("; ", failures.Texts));
            chosen.Clear();
        }
        return new Chosen(target, chosen, untried, failures);
    }

    private async Task RunCoreAsync(Chosen chosen, ChannelWriter<IRecordBatch> output, SourceStatistics statistics, CancellationToken cancellationToken)
    {
        var core = chosen.Target.Core;
        // Claims cost a hash per key; they are needed only when a second server of the core may read.
        var claims = chosen.Target.AskAll || chosen.Untried.Count > 0 ? new KeyClaims() : null;
        if (chosen.Target.AskAll)
        {
            try
            {
                await Task.WhenAll(chosen.Servers.Select(s => RunServerAsync(s.Server, s.Db, claims, output, statistics, cancellationToken)));
            }
            catch (SysopsFastException e) when (e.IsServerSide && !cancellationToken.IsCancellationRequested)
            {
                var failed = new Failures();
                failed.Add(chosen.Servers.Count == 1 ? chosen.Servers[0].Server : null, e);
                FailCore(core, failed, statistics, e);
                return;
            }
            statistics.CoreAnswered(core.Id, string.Join(", ", chosen.Servers.Select(s => s.Server)));
            return;
        }

        var (server, db) = chosen.Servers[0];
        var untried = chosen.Untried;
        var failures = chosen.Failures;
        while (true)
        {
            try
            {
                await RunServerAsync(server, db, claims, output, statistics, cancellationToken);
                statistics.CoreAnswered(core.Id, server.ToString());
                return;
            }
            catch (SysopsFastException e) when (e.IsServerSide && !cancellationToken.IsCancellationRequested)
            {
                failures.Add(server, e);
                var next = await NextLiveAsync(untried, failures, cancellationToken);
                if (next is null)
                {
                    FailCore(core, failures, statistics, e);
                    return;
                }
                statistics.Warn($"core {core}: {server} failed during the query ({Errors.Brief(e)}); finishing the core on {next.Value.Server}");
                (server, db) = next.Value;
            }
        }
    }

    /// <summary>Stage 2: the given keys, or the key catalog's, or (without a catalog, or when asked) SCAN's.</summary>
    private async Task DiscoverAsync(IQueryServer db, ChannelWriter<KeyPage> pages, SourceStatistics statistics, CancellationToken token)
    {
        if (_selection.Keys is { } given)
        {
            var keys = _selection.Hosts is { } hosts ? given.Where(k => hosts.Allows(k)).ToArray() : given.ToArray();
            statistics.AddKeys(db.Name, keys.Length);
            await KeyPage.Of(keys).WriteToAsync(pages, token);
            return;
        }
        var catalog = new KeyCatalogProducer(db, _selection.KeyGlob, _options.ScanPageSize, _selection.Hosts);
        if (_selection.Scan || !catalog.CanServe || !await catalog.RunAsync(pages, statistics, token))
        {
            statistics.UsedScan();
            await new KeyScanProducer(db, _selection.KeyGlob, _options.ScanPageSize, _selection.Hosts).RunAsync(pages, statistics, token);
        }
    }

    private async Task LoadDictionariesAsync(IQueryServer db, ServerAddress server, SourceStatistics statistics)
    {
        if (Dictionaries is not null)
        {
            foreach (var warning in await KeyCatalog.LoadDictionariesAsync(db, Dictionaries))
            {
                statistics.Warn($"{server}: {warning}");
            }
        }
        statistics.Milestone("dictionaries");
    }

    /// <summary>The next candidate that accepts a connection; the others tried are added to <paramref name="failures"/>.</summary>
    private async Task<(ServerAddress Server, IQueryServer Db)?> NextLiveAsync(Queue<ServerAddress> untried, Failures failures, CancellationToken cancellationToken)
    {
        while (untried.TryDequeue(out var candidate))
        {
            try
            {
                return (candidate, await _connections.QueryServerAsync(candidate, cancellationToken));
            }
            catch (SysopsFastException e)
            {
                failures.Add(candidate, e);
            }
        }
        return null;
    }

    private void FailCore(Topology.Core core, Failures failures, SourceStatistics statistics, Exception last)
    {
        if (!_allowPartial)
        {
            throw failures.Final(core.Id, last);
        }
        // Records of this core already counted stay counted; the warning says the core is incomplete.
        statistics.CoreMissing(core.Id, string.Join("; ", failures.Texts));
    }

    private async Task RunServerAsync(ServerAddress server, IQueryServer db, KeyClaims? claims, ChannelWriter<IRecordBatch> output, SourceStatistics statistics, CancellationToken cancellationToken)
    {
        // Its own token: a lost server stops its producer and fetcher without stopping other cores.
        using var serverStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var token = serverStop.Token;
        var pages = Channel.CreateBounded<KeyPage>(new BoundedChannelOptions(4)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });
        // Dictionaries load while keys are listed; no batch goes to a worker before they are in.
        var dictionaries = LoadDictionariesAsync(db, server, statistics);
        IBatchFetcher fetcher = Mode switch
        {
            RecordReadMode.KeyOnly => new KeyOnlyForwarder(db, claims),
            RecordReadMode.Header => new HeaderBatchFetcher(db, _options, claims),
            // As of a time, each key may stand for another version: no record stands for others.
            _ => new MgetBatchFetcher(db, _options, claims, dictionaries, _selection.Deduplicate && _selection.AsOf is null && (Deduplication?.ShouldTry(db.Name, _selection.KeyGlob) ?? true))
            {
                DeduplicationDidNotPay = Deduplication is { } memo ? () => memo.DidNotPay(db.Name, _selection.KeyGlob) : null,
            },
        };
        if (_selection.AsOf is { } asOf)
        {
            fetcher = new AsOfFetcher(fetcher, db, asOf.ToUnixTimeMilliseconds(), Mode, Dictionaries);
        }
        if (_selection.ChangedSince is { } ledger)
        {
            fetcher = new ChangedSinceFetcher(fetcher, db, ledger);
        }
        var scan = Task.Run(async () =>
        {
            try
            {
                await DiscoverAsync(db, pages.Writer, statistics, token);
                pages.Writer.TryComplete();
            }
            catch (Exception e)
            {
                pages.Writer.TryComplete(e);
                throw;
            }
        }, CancellationToken.None);
        try
        {
            await fetcher.RunAsync(pages.Reader, output, statistics, token);
            await dictionaries;
        }
        catch (Exception e)
        {
            // The fetcher's error is the one to report. The server's other stages stop because of
            // it, and are waited for: none may still use the lost server once its core moves on.
            await serverStop.CancelAsync();
            await Task.WhenAll(scan, dictionaries).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            // Pages discovery wrote that the fetcher never took: their buffers go back to the pool.
            while (pages.Reader.TryRead(out var page))
            {
                page.Dispose();
            }
            if (RedisFailure.From(server.ToString(), e) is { } failure && failure != e)
            {
                throw failure;
            }
            throw;
        }
        await scan;
    }
}
