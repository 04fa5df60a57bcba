using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Grep;
using SysopsFast.Output;
using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>The README's library example, verbatim but for the address, so the README cannot rot.</summary>
public sealed class ReadmeExampleTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task Readme_library_example_runs()
    {
        var fleet = new SyntheticFleet(50, 21);
        await FleetGenerator.GenerateAsync(fleet, ServerAddress.Parse(redis.Address), PayloadCodec.Lz4, null, plain: false, CancellationToken.None);
        var output = new StringWriter();
        var error = new StringWriter();

        // --- README example ---
        await using var query = new FleetQuery(redis.Address);
        var (counts, result) = await query.GrepUniqAsync(new GrepRequest("sysctl-a", "net.core.netdev_budget"));
        foreach (var row in counts)
        {
            output.WriteLine($"{row.Count,7} {row.Line}");
        }
        error.WriteLine($"{result.Summary.RecordsRead} records, {result.Summary.Corrupt.Count} corrupt");
        // --- end ---

        Assert.Equal(UniqPrinter.Text(fleet.ExpectedUniq()), output.ToString().Replace("\r\n", "\n", StringComparison.Ordinal));
        Assert.Equal("50 records, 0 corrupt", error.ToString().Trim());
    }
}

public sealed class GrepLinesTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task Lines_stream_as_an_async_enumerable_and_breaking_out_stops_the_query()
    {
        var server = ServerAddress.Parse($"redis://{redis.Address}/11");
        var fleet = new SyntheticFleet(400, 22);
        await FleetGenerator.GenerateAsync(fleet, server, PayloadCodec.Lz4, null, plain: false, CancellationToken.None);
        await using var query = new FleetQuery([server]);

        var all = new List<GrepLine>();
        await foreach (var line in query.GrepLinesAsync(new GrepRequest("sysctl-a", "kernel.hostname")))
        {
            all.Add(line);
        }
        Assert.Equal(400, all.Count);
        Assert.All(all, l => Assert.Equal("kernel.hostname = " + l.Host[..l.Host.IndexOf('.', StringComparison.Ordinal)], l.Line));

        var few = 0;
        await foreach (var _ in query.GrepLinesAsync(new GrepRequest("sysctl-a", "net.")))
        {
            if (++few == 10)
            {
                break;
            }
        }
        Assert.Equal(10, few);

        await Assert.ThrowsAsync<SysopsFastException>(async () =>
        {
            await foreach (var _ in query.GrepLinesAsync(new GrepRequest("no-such-object", "x")))
            {
            }
        });
    }
}
