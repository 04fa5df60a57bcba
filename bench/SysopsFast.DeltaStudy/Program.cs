using System.Globalization;
using SysopsFast;
using SysopsFast.DeltaStudy;
using SysopsFast.Fleet;
using SysopsFast.Format;

// Issue 18 §1's study (perf-results/2026-12-07-delta-study.md): the synthetic fleet's objects as
// today's records and as differences from a base, their sizes, the headline's work, and with
// --redis what a real redis-server holds for each. Prints Markdown tables.
//   dotnet run -c Release --project bench/SysopsFast.DeltaStudy -- [--hosts 24000] [--seed 1] [--runs 5] [--redis]
StudyOptions options;
try
{
    options = StudyOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
{
    await Console.Error.WriteLineAsync("delta-study: " + e.Message);
    return 2;
}
var fleet = new SyntheticFleet(options.Hosts, options.Seed);
var insertedMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
var report = new StudyReport(Console.Out);
report.Machine(options, File.ReadAllText("/proc/loadavg").Trim());

// The samples fleet generate trains on (its first hosts), which also give each object's base.
var samples = Enumerable.Range(0, SyntheticFleet.ObjectNames.Length)
    .Select(o => fleet.HostIndices().Take(DictionaryTrainer.SamplesPerObject).Select(h => Contents(fleet, h, o)).ToArray())
    .ToArray();
var dictionaries = DictionaryTrainer.Train(samples.SelectMany((s, o) => s.Select(c => (SyntheticFleet.ObjectNames[o], (Func<byte[]?>)(() => c)))));
var objects = Enumerable.Range(0, SyntheticFleet.ObjectNames.Length)
    .Select(o => ObjectSizes.Measure(fleet, o, samples[o], dictionaries.GetValueOrDefault(SyntheticFleet.ObjectNames[o]), insertedMs))
    .ToList();
report.Sizes(objects, dictionaries);

var headline = HeadlineTiming.Run(fleet, objects[0], dictionaries[SyntheticFleet.ObjectNames[0]], options.Runs);
report.Headline(headline, File.ReadAllText("/proc/loadavg").Trim());

report.Hostile(HostileInputs.Run(objects[0], dictionaries[SyntheticFleet.ObjectNames[0]], hosts: 50, flipsPerHost: 400));

if (options.Redis)
{
    await using var redis = await RedisMemory.StartAsync();
    var loads = new List<RedisLoad>();
    foreach (var (what, form, compact, hashPerHost, listpackValue) in StoredFleet.Variants)
    {
        loads.Add(await redis.LoadAsync(what, listpackValue, StoredFleet.Values(fleet, objects, dictionaries, form, compact, hashPerHost)));
    }
    report.Redis(redis.Version, loads, fleet.Hosts);
}
return 0;

static byte[] Contents(SyntheticFleet fleet, int host, int objectIndex)
{
    var b = new TextBuffer();
    fleet.Write(host, objectIndex, b);
    return b.Span.ToArray();
}

/// <summary>The study's command line.</summary>
internal sealed record StudyOptions(int Hosts, ulong Seed, int Runs, bool Redis)
{
    public static StudyOptions Parse(string[] args)
    {
        var o = new StudyOptions(24_000, 1, 5, false);
        for (var i = 0; i < args.Length; i++)
        {
            o = args[i] switch
            {
                "--hosts" when i + 1 < args.Length => o with { Hosts = int.Parse(args[++i], CultureInfo.InvariantCulture) },
                "--seed" when i + 1 < args.Length => o with { Seed = ulong.Parse(args[++i], CultureInfo.InvariantCulture) },
                "--runs" when i + 1 < args.Length => o with { Runs = int.Parse(args[++i], CultureInfo.InvariantCulture) },
                "--redis" => o with { Redis = true },
                _ => throw new ArgumentException($"unknown option '{args[i]}'; use --hosts N --seed S --runs R --redis"),
            };
        }
        // Fewer hosts than the dictionary trainer needs leave sysctl-a without a dictionary, and today's form undefined.
        return o.Hosts >= DictionaryTrainer.MinimumHosts && o.Runs >= 1 ? o
            : throw new ArgumentException($"--hosts must be at least {DictionaryTrainer.MinimumHosts} and --runs at least 1");
    }
}
