using System.Diagnostics;
using System.Globalization;
using SysopsFast.Fleet;
using SysopsFast.Format;

// Where fleet generate's CPU goes per object with --codec line-delta: each stage of writing one
// record timed on its own, on one thread, over the same hosts and objects. Timings are only
// comparable within one run (the stages are interleaved object by object, so load hits each alike).
//   dotnet run -c Release --project bench/SysopsFast.GenerateStages -- [hosts, default 2000] [seed, default 1]
var hosts = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2000;
var seed = args.Length > 1 ? ulong.Parse(args[1], CultureInfo.InvariantCulture) : 1;
var fleet = new SyntheticFleet(hosts + DictionaryTrainer.SamplesPerObject, seed);
var names = SyntheticFleet.ObjectNames;

var training = Stopwatch.StartNew();
var (dictionaries, bases) = DictionaryTrainer.TrainWithBases(
    fleet.HostIndices().Take(DictionaryTrainer.SamplesPerObject)
        .SelectMany(h => Enumerable.Range(0, names.Length).Select(o => (names[o], (Func<byte[]?>)(() => Contents(fleet, h, o))))),
    bases: true);
training.Stop();

string[] stages = ["contents", "md5", "counts", "zstd-dictionary", "line delta", "rebuild check"];
var ticks = new long[stages.Length];
var perObject = new long[names.Length, stages.Length];
var rawOf = new long[names.Length];
var buffer = new byte[1 << 22];
long objects = 0, deltas = 0, rawBytes = 0;
int[] Shortcuts = [4, 8, 16, 32];
var shortcut = new (long Objects, long Other, long ExtraBytes)[Shortcuts.Length];
var text = new TextBuffer();
for (var h = DictionaryTrainer.SamplesPerObject; h < fleet.Hosts; h++)
{
    for (var o = 0; o < names.Length; o++)
    {
        var t0 = Stopwatch.GetTimestamp();
        fleet.Write(h, o, text);
        var t1 = Stopwatch.GetTimestamp();
        RecordEncoder.Md5Of(text.Span);
        var t2 = Stopwatch.GetTimestamp();
        RecordEncoder.Count(text.Span);
        var t3 = Stopwatch.GetTimestamp();
        var zstd = dictionaries.TryGetValue(names[o], out var d) ? d.Compress(text.Span, buffer) : -1;
        var t4 = Stopwatch.GetTimestamp();
        var delta = bases.TryGetValue(names[o], out var encoder) ? encoder.Encode(text.Span) : null;
        var t5 = Stopwatch.GetTimestamp();
        if (delta is not null)
        {
            // What the encoder's check of each payload cost before it was dropped: a full decode and compare.
            LineDeltaDecoder.TryDecode(encoder!.Base, delta, buffer.AsSpan(0, text.Length), out _);
            buffer.AsSpan(0, text.Length).SequenceEqual(text.Span);
        }
        var t6 = Stopwatch.GetTimestamp();
        long[] spans = [t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5];
        for (var i = 0; i < spans.Length; i++)
        {
            perObject[o, i] += spans[i];
        }
        rawOf[o] += text.Length;
        ticks[0] += t1 - t0;
        ticks[1] += t2 - t1;
        ticks[2] += t3 - t2;
        ticks[3] += t4 - t3;
        ticks[4] += t5 - t4;
        ticks[5] += t6 - t5;
        objects++;
        rawBytes += text.Length;
        deltas += delta is not null && delta.Length < zstd ? 1 : 0;
        if (delta is not null && zstd >= 0)
        {
            for (var k = 0; k < Shortcuts.Length; k++)
            {
                // The shortcut takes the delta unweighed when it is at most 1/n of the raw length.
                if ((long)delta.Length * Shortcuts[k] <= text.Length)
                {
                    shortcut[k].Objects++;
                    shortcut[k].Other += zstd < delta.Length ? 1 : 0;
                    shortcut[k].ExtraBytes += Math.Max(0, delta.Length - zstd);
                }
            }
        }
    }
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{hosts} hosts x {names.Length} objects = {objects} objects, {rawBytes / 1e6:F1} MB raw; {deltas} stored as deltas; bases for {bases.Count} objects"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"training (dictionaries and bases, {DictionaryTrainer.SamplesPerObject} samples per object): {training.Elapsed.TotalSeconds:F2} s"));
var total = ticks.Sum();
Console.WriteLine("| stage | µs per object | share |");
Console.WriteLine("|---|---:|---:|");
for (var i = 0; i < stages.Length; i++)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {stages[i]} | {ticks[i] * 1e6 / Stopwatch.Frequency / objects:F1} | {100.0 * ticks[i] / total:F0}% |"));
}
Console.WriteLine();
Console.WriteLine("| object | bytes | " + string.Join(" | ", stages) + " |");
Console.WriteLine("|---|---:|" + string.Concat(stages.Select(_ => "---:|")));
for (var o = 0; o < names.Length; o++)
{
    var perHost = Enumerable.Range(0, stages.Length).Select(i => (perObject[o, i] * 1e6 / Stopwatch.Frequency / hosts).ToString("F1", CultureInfo.InvariantCulture));
    Console.WriteLine($"| {names[o]}{(bases.ContainsKey(names[o]) ? " (base)" : "")} | {rawOf[o] / hosts} | {string.Join(" | ", perHost)} |");
}
Console.WriteLine();
Console.WriteLine("| delta taken unweighed when its payload is at most | objects that skip zstd | of which zstd would have been smaller | bytes more than the smaller form |");
Console.WriteLine("|---|---:|---:|---:|");
for (var k = 0; k < Shortcuts.Length; k++)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| 1/{Shortcuts[k]} of the raw length | {shortcut[k].Objects} | {shortcut[k].Other} | {shortcut[k].ExtraBytes} |"));
}
return 0;

static byte[] Contents(SyntheticFleet fleet, int host, int objectIndex)
{
    var b = new TextBuffer();
    fleet.Write(host, objectIndex, b);
    return b.Span.ToArray();
}
