using System.Text;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Grep;
using SysopsFast.Output;
using SysopsFast.Query;
using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// Queries over a generated fleet written as line delta records (codec 4) on a real redis-server,
/// answered from the records' ops, against the same fleet written with dictionaries (codec 3) and
/// decoded: the headline, -c, -l, -L, printed lines with -n, -v -c, a join, and kv must be equal,
/// and the line delta answers must have been read from ops, not decoded.
/// </summary>
public sealed class LineDeltaQueryTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private const int Hosts = 300;
    private readonly SyntheticFleet _fleet = new(Hosts, 11);

    private ServerAddress Server(PayloadCodec codec) => ServerAddress.Parse($"redis://{redis.Address}/{(codec == PayloadCodec.LineDelta ? 5 : 6)}");

    public async Task InitializeAsync()
    {
        foreach (var codec in new[] { PayloadCodec.LineDelta, PayloadCodec.ZstdDictionary })
        {
            await FleetGenerator.GenerateAsync(_fleet, Server(codec), codec, null, plain: false, CancellationToken.None);
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task The_headline_equals_the_dictionary_fleets_and_decodes_nothing()
    {
        await using var deltas = new FleetQuery([Server(PayloadCodec.LineDelta)]);
        var (counts, result) = await deltas.GrepUniqAsync(new GrepRequest(SyntheticFleet.HeadlineObject, SyntheticFleet.HeadlinePattern));
        await using var dictionary = new FleetQuery([Server(PayloadCodec.ZstdDictionary)]);
        var (expected, decoded) = await dictionary.GrepUniqAsync(new GrepRequest(SyntheticFleet.HeadlineObject, SyntheticFleet.HeadlinePattern));
        Assert.Equal(_fleet.ExpectedUniq(), expected);
        Assert.Equal(expected, counts);
        Assert.Empty(result.Summary.Corrupt);
        Assert.Equal(Hosts, result.Summary.RecordsRead);
        Assert.Equal(Hosts, result.Summary.LineDeltaRecordsRead);
        Assert.Equal(0, result.Summary.RawBytes);
        Assert.Equal(0, decoded.Summary.LineDeltaRecordsRead);
    }

    public static TheoryData<string, string> GrepCases() => new()
    {
        { "-c", "net.core" },
        { "-l", "netdev_budget = 600" },
        { "-L", "netdev_budget = 300" },
        { "-v -c", "net." },
        { "-c -m 2", "net.core" },
        { "-n", "kernel.hostname" },
        { "-n -i", "NET.CORE.NETDEV" },
        { "-o", "budget = [0-9]+" },
        { "-w -c", "300" },
        { "-x -c", "vm.swappiness = 60" },
    };

    /// <summary>Each option set through the library as the CLI runs it, over both fleets: the same bytes, host order aside.</summary>
    [Theory]
    [MemberData(nameof(GrepCases))]
    public async Task Grep_output_equals_the_dictionary_fleets(string options, string pattern)
    {
        var flags = options.Split(' ');
        var request = new GrepRequest(SyntheticFleet.HeadlineObject, pattern)
        {
            Regex = true,
            IgnoreCase = flags.Contains("-i"),
            Invert = flags.Contains("-v"),
            WholeWord = flags.Contains("-w"),
            WholeLine = flags.Contains("-x"),
            OnlyMatching = flags.Contains("-o"),
            PerRecord = flags.Contains("-c") ? RecordLineKind.Count : flags.Contains("-l") ? RecordLineKind.WithMatch : flags.Contains("-L") ? RecordLineKind.WithoutMatch : null,
            Limits = SelectionLimits.Gnu(flags.Contains("-m") ? 2 : null, null, null, null),
        };
        var (deltas, read) = await Grep(PayloadCodec.LineDelta, request, flags.Contains("-n"));
        var (expected, _) = await Grep(PayloadCodec.ZstdDictionary, request, flags.Contains("-n"));
        Assert.NotEmpty(expected);
        Assert.Equal(expected, deltas);
        Assert.Equal(Hosts, read.Summary.LineDeltaRecordsRead);
    }

    [Fact]
    public async Task Kv_equals_the_dictionary_fleets()
    {
        foreach (var glob in new string?[] { "net.core.*", null })
        {
            await using var deltas = new FleetQuery([Server(PayloadCodec.LineDelta)]);
            var rows = await deltas.KeyValuesAsync(new KeyValueRequest(SyntheticFleet.HeadlineObject) { KeyGlob = glob });
            await using var dictionary = new FleetQuery([Server(PayloadCodec.ZstdDictionary)]);
            var expected = await dictionary.KeyValuesAsync(new KeyValueRequest(SyntheticFleet.HeadlineObject) { KeyGlob = glob });
            Assert.Equal(expected.Items, rows.Items);
            Assert.Equal(Hosts, rows.Summary.LineDeltaRecordsRead);
        }
    }

    [Fact]
    public async Task A_join_selects_the_same_hosts()
    {
        var having = new HostCondition(SyntheticFleet.HeadlineObject, "netdev_budget = 600", Having: true);
        await using var deltas = new FleetQuery([Server(PayloadCodec.LineDelta)]);
        var joined = await deltas.NarrowToHostsAsync([having]);
        await using var dictionary = new FleetQuery([Server(PayloadCodec.ZstdDictionary)]);
        var expected = await dictionary.NarrowToHostsAsync([having]);
        Assert.NotEqual(0, expected.Conditions[0].HostsMatching);
        Assert.Equal(expected.Conditions[0].HostsMatching, joined.Conditions[0].HostsMatching);
        Assert.Equal(Hosts, joined.Summaries[0].LineDeltaRecordsRead);
    }

    /// <summary>The printed output, each host's lines kept together and hosts sorted (workers interleave records).</summary>
    private async Task<(string Output, GrepResult Result)> Grep(PayloadCodec codec, GrepRequest request, bool numbered)
    {
        await using var query = new FleetQuery([Server(codec)]);
        using var output = new MemoryStream();
        IGrepSinkFactory sinks = request.PerRecord is { } kind ? new RecordLineSinkFactory(output, kind) : new PrintSinkFactory(output, true, numbered, TextStyle.Plain) { MatchesOnly = request.OnlyMatching };
        var result = await query.GrepAsync(request, sinks);
        var lines = Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return (string.Join("\n", lines.GroupBy(l => l.Split(':')[0]).OrderBy(g => g.Key, StringComparer.Ordinal).SelectMany(g => g)), result);
    }
}
