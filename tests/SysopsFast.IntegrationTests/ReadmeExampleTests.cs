using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Grep;
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

        Assert.Equal(UniqCountSinkFactory.Format(fleet.ExpectedUniq()), output.ToString().Replace("\r\n", "\n", StringComparison.Ordinal));
        Assert.Equal("50 records, 0 corrupt", error.ToString().Trim());
    }
}
