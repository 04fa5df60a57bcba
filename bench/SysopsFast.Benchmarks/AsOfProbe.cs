using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Pipeline;

namespace SysopsFast.Benchmarks;

/// <summary>
/// The as-of stage's CPU per version (issue 19): <see cref="VersionAtTime.FromRecords"/> (ops
/// composed) against <see cref="VersionAtTime.Rebuilt"/> (the chain decoded, md5s taken, a codec-0
/// record encoded), alternating, over synthetic hosts' <c>sysctl -a</c> (about 48 KB) as codec 4
/// records against host 0's, each with one relative entry: the version before, netdev_budget changed.
/// Only this stage: the workers' cost of a whole codec-0 record against a line delta one comes on top.
/// <c>dotnet run -c Release --project bench/SysopsFast.Benchmarks -- as-of-probe [versions] [rounds]</c>
/// </summary>
internal static partial class AsOfProbe
{
    private const long Then = 1_700_000_000_000;

    public static void Run(int versions, int rounds)
    {
        var fleet = new SyntheticFleet(Math.Max(versions, 2), 19);
        var lineBase = new LineBase(Sysctl(fleet, 0));
        var encoder = new LineDeltaEncoder(lineBase);
        using var set = new CompressionDictionaries();
        set.Bases.Add(lineBase);
        var keys = Enumerable.Range(0, versions).Select(h => Key(fleet, h, encoder)).ToArray();
        using var decoder = new RecordDecoder(set);
        var chain = new VersionChain(decoder);
        Check(keys, chain, set);
        Console.WriteLine($"{versions} versions of {keys.Average(k => k.Older.Length) / 1024:F1} KiB, {rounds} rounds each, alternating; load: {File.ReadAllText("/proc/loadavg").Trim()}");
        var times = new Dictionary<string, List<(double Cpu, double Wall)>> { ["rebuilt"] = [], ["composed"] = [] };
        for (var round = 0; round < rounds; round++)
        {
            times["rebuilt"].Add(Time(keys, k => VersionAtTime.Rebuilt(chain, k.Current, k.Entries, Then)));
            times["composed"].Add(Time(keys, k => VersionAtTime.FromRecords(chain, k.Current, k.Entries, Then)));
        }
        foreach (var (name, list) in times)
        {
            Console.WriteLine($"{name,-9} µs per version, CPU (user+sys): {string.Join(" ", list.Select(t => $"{t.Cpu:F1}"))}; wall: {string.Join(" ", list.Select(t => $"{t.Wall:F1}"))}; median CPU {Median(list.Select(t => t.Cpu)):F1}");
        }
        Console.WriteLine($"rebuilt / composed, median CPU: {Median(times["rebuilt"].Select(t => t.Cpu)) / Median(times["composed"].Select(t => t.Cpu)):F1}x");
    }

    private sealed record Version(byte[] Current, ReadOnlyMemory<byte>[] Entries, byte[] Older);

    private static byte[] Sysctl(SyntheticFleet fleet, int host)
    {
        var text = new TextBuffer();
        fleet.Write(host, Array.IndexOf(SyntheticFleet.ObjectNames, "cmd/sysctl-a"), text);
        return text.Span.ToArray();
    }

    /// <summary>Host <paramref name="host"/>'s current record against the base, and the version before it as push keeps it.</summary>
    private static Version Key(SyntheticFleet fleet, int host, LineDeltaEncoder encoder)
    {
        var current = Sysctl(fleet, host);
        var older = Encoding.UTF8.GetBytes(Budget().Replace(Encoding.UTF8.GetString(current), "net.core.netdev_budget = 450", 1));
        var record = RecordEncoder.Encode(older, FileStat.None, Then, PayloadCodec.Lz4);
        RecordHeader.TryRead(record, out var header, out _);
        var entry = VersionEntry.Build(record, header, older, current, newerHasContents: true);
        return new Version(RecordEncoder.EncodeLineDelta(current, FileStat.None, Then + 3_600_000, encoder), [entry], older);
    }

    /// <summary>Both ways give the older version, md5 checked, and the composed one is a line delta record.</summary>
    private static void Check(Version[] keys, VersionChain chain, CompressionDictionaries set)
    {
        using var check = new RecordDecoder(set) { CheckMd5 = true };
        foreach (var key in keys)
        {
            foreach (var at in new[] { VersionAtTime.Rebuilt(chain, key.Current, key.Entries, Then), VersionAtTime.FromRecords(chain, key.Current, key.Entries, Then) })
            {
                if (!check.TryDecode(at.Record, out _, out var contents, out var error) || !contents.SequenceEqual(key.Older))
                {
                    throw new InvalidOperationException($"a version is not the older one: {error}");
                }
            }
            RecordHeader.TryRead(VersionAtTime.FromRecords(chain, key.Current, key.Entries, Then).Record, out var header, out _);
            if (header.Codec != PayloadCodec.LineDelta)
            {
                throw new InvalidOperationException($"composed as codec {header.Codec}");
            }
        }
    }

    private static (double Cpu, double Wall) Time(Version[] keys, Func<Version, VersionAtTime> read)
    {
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu = process.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        foreach (var key in keys)
        {
            read(key);
        }
        wall.Stop();
        process.Refresh();
        return ((process.TotalProcessorTime - cpu).TotalMicroseconds / keys.Length, wall.Elapsed.TotalMicroseconds / keys.Length);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    [GeneratedRegex(@"net\.core\.netdev_budget = \d+")]
    private static partial Regex Budget();
}
