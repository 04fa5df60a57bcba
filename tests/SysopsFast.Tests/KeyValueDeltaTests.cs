using System.Text;
using SysopsFast.Format;
using SysopsFast.Pipeline;
using SysopsFast.Query;
using Xunit;

namespace SysopsFast.Tests;

/// <summary>
/// kv over line delta records read from their ops (<see cref="KeyValueWorker"/>'s difference array)
/// against kv over the decoded contents, on random fleets written against random bases: keys held
/// twice (a host's own line before or after its copied twin, or twice among its own lines), comments,
/// CR line ends, empty values, ini sections in the base or in a host's own lines (those records are
/// decoded), records with no final newline. The rows must be equal.
/// </summary>
public class KeyValueDeltaTests
{
    private static readonly string[] Lines =
    [
        "a = 1", "a = 2", "b = 1", "b=1", "c x y", "net.core.x = 3", "net.core.x = 4", "net.core.y = 3\r", "# comment", "", "d", "= 5", "e = ",
    ];

    /// <summary>Lines with one key each: a base made of them has no key twice, so its records are read from their ops.</summary>
    private static readonly string[] DistinctKeys = ["a = 1", "b = 1", "c x y", "net.core.x = 3", "net.core.y = 3\r", "d", "e = ", "f = 6", "g = 7"];

    [Theory]
    [InlineData(null)]
    [InlineData("net.core.*")]
    [InlineData("a")]
    public void Rows_equal_kv_over_the_decoded_contents(string? glob)
    {
        var random = new Random(glob?.Length ?? 0);
        var fromOps = 0;
        for (var fleet = 0; fleet < 80; fleet++)
        {
            var sections = fleet % 6 == 5;
            var baseLines = fleet % 4 == 3
                ? Enumerable.Range(0, random.Next(0, 9)).Select(_ => Lines[random.Next(Lines.Length)]).ToList()
                : DistinctKeys.OrderBy(_ => random.Next()).Take(random.Next(0, DistinctKeys.Length + 1)).Concat(random.Next(2) == 0 ? ["# comment", ""] : []).ToList();
            if (sections && random.Next(2) == 0)
            {
                baseLines.Insert(random.Next(baseLines.Count + 1), "[s]");
            }
            var baseText = Text(baseLines, random);
            var lineBase = new LineBase(baseText);
            var encoder = new LineDeltaEncoder(lineBase);
            var hosts = Enumerable.Range(0, 12).Select(_ => Text(Mutated(baseLines, random, sections), random)).ToList();

            var decoded = new KeyValueCollector(KeyGlob.Parse(glob), 0);
            var decodedWorker = decoded.CreateForWorker();
            var ops = new KeyValueCollector(KeyGlob.Parse(glob), 0);
            var opsWorker = (KeyValueWorker)ops.CreateForWorker();
            Assert.True(opsWorker.ReadsLineDeltas);
            for (var h = 0; h < hosts.Count; h++)
            {
                var key = Encoding.UTF8.GetBytes($"host{h}#/etc/x.conf");
                decodedWorker.Process(key, default, hosts[h]);
                var payload = encoder.Encode(hosts[h])!;
                Assert.True(LineDeltaRecord.TryOpen(payload, lineBase, hosts[h].Length, out var record));
                if (opsWorker.Process(key, default, record) == LineDeltaOutcome.Decode)
                {
                    opsWorker.Process(key, default, hosts[h]);
                }
                else
                {
                    fromOps++;
                }
            }
            decoded.Complete([decodedWorker]);
            ops.Complete([opsWorker]);
            Assert.Equal(Show(decoded.Rows), Show(ops.Rows));
        }
        Assert.True(fromOps > 400, $"{fromOps} records read from their ops");
    }

    /// <summary>A host's version of the base: lines kept, changed, dropped, added (keys twice, sections now and then).</summary>
    private static List<string> Mutated(List<string> baseLines, Random random, bool sections)
    {
        var lines = new List<string>();
        foreach (var line in baseLines.Append(""))
        {
            var roll = random.Next(20);
            if (roll < 2)
            {
                lines.Add(sections && random.Next(3) == 0 ? "[t]" : Lines[random.Next(Lines.Length)]);
            }
            if (roll is >= 2 and < 4)
            {
                continue;
            }
            lines.Add(roll is 4 or 5 ? Lines[random.Next(Lines.Length)] : line);
        }
        return lines;
    }

    [Fact]
    public void Sampled_hosts_are_read_from_decoded_contents() =>
        Assert.False(((KeyValueWorker)new KeyValueCollector(null, 3).CreateForWorker()).ReadsLineDeltas);

    private static byte[] Text(List<string> lines, Random random) =>
        Encoding.UTF8.GetBytes(string.Join('\n', lines) + (random.Next(4) == 0 ? "" : "\n"));

    private static string Show(IReadOnlyList<KeyValueRow> rows) =>
        string.Join("\n", rows.Select(r => r.Key + " => " + string.Join(", ", r.Values.Select(v => $"{v.Value ?? "(absent)"} ×{v.Count}"))));
}
