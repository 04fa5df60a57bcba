using StackExchange.Redis;
using SysopsFast.Pipeline;

namespace SysopsFast.Redis;

/// <summary>
/// The Redis front of the pipeline: for each server a <see cref="KeyScanProducer"/> feeding a
/// <see cref="MgetBatchFetcher"/> through a small bounded channel; all servers run at once and share
/// the pipeline's batch channel.
/// </summary>
public sealed class RedisRecordSource : IRecordBatchSource
{
    private readonly RedisConnections _connections;
    private readonly IReadOnlyList<ServerAddress> _servers;
    private readonly string _glob;
    private readonly ExtractOptions _options;

    public RedisRecordSource(RedisConnections connections, IReadOnlyList<ServerAddress> servers, string keyGlob, ExtractOptions options)
    {
        _connections = connections;
        _servers = servers;
        _glob = keyGlob;
        _options = options;
        Servers = servers.Select(s => s.ToString()).ToArray();
    }

    public IReadOnlyList<string> Servers { get; }

    public async Task ProduceAsync(ChannelWriter<IRecordBatch> output, SourceStatistics statistics, CancellationToken cancellationToken)
    {
        // Connect to all first: an unreachable server is reported before any output is produced.
        var databases = await Task.WhenAll(_servers.Select(s => _connections.DatabaseAsync(s, cancellationToken)));
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tasks = _servers.Select((s, i) => RunServerAsync(s, databases[i], output, statistics, failed)).ToArray();
        await Task.WhenAll(tasks);
    }

    private async Task RunServerAsync(ServerAddress server, IDatabase db, ChannelWriter<IRecordBatch> output, SourceStatistics statistics, CancellationTokenSource failed)
    {
        var token = failed.Token;
        var pages = Channel.CreateBounded<byte[][]>(new BoundedChannelOptions(4)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = true,
        });
        var producer = new KeyScanProducer(db, _glob, _options.ScanPageSize);
        var fetcher = new MgetBatchFetcher(db, server.ToString(), _options);
        try
        {
            var scan = Task.Run(async () =>
            {
                try
                {
                    await producer.RunAsync(pages.Writer, statistics, token);
                    pages.Writer.TryComplete();
                }
                catch (Exception e)
                {
                    pages.Writer.TryComplete(e);
                    throw;
                }
            }, CancellationToken.None);
            await fetcher.RunAsync(pages.Reader, output, statistics, token);
            await scan;
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is RedisException or TimeoutException or InvalidDataException or ChannelClosedException)
        {
            await failed.CancelAsync();
            throw Errors.ServerFailed(server.ToString(), e is ChannelClosedException { InnerException: { } inner } ? inner : e);
        }
    }
}
