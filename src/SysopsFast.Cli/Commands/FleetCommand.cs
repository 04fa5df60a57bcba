using System.CommandLine;
using System.Globalization;
using System.Text;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Grep;
using SysopsFast.Output;

namespace SysopsFast.Cli.Commands;

internal sealed record GenerateArguments(int Hosts, ulong Seed, Redis.ServerAddress Server)
{
    public PayloadCodec Codec { get; init; } = PayloadCodec.ZstdDictionary;
    public TimeSpan? Ttl { get; init; } = TimeSpan.FromHours(6);
    public bool Plain { get; init; }
    public string? ExpectedFile { get; init; }
    public FleetShard? Shard { get; init; }
}

internal static class FleetCommand
{
    public static Command Build()
    {
        var hosts = new Option<int>("--hosts") { Description = "Number of hosts", DefaultValueFactory = _ => 24_000 };
        var seed = new Option<ulong>("--seed") { Description = "Seed: the same seed gives the same fleet", DefaultValueFactory = _ => 1UL };
        var server = new Option<string>("--server", "-s") { Description = "Server to write to", DefaultValueFactory = _ => "127.0.0.1:6379" };
        var codec = CommonOptions.Codec("Payload codec of the records (zstd-dictionary: one dictionary per object, trained on the first hosts)");
        var ttl = new Option<string>("--ttl") { Description = "Expiry of every key (6h, 30m, 0 = never)", DefaultValueFactory = _ => "6h" };
        var plain = new Option<bool>("--plain") { Description = "Store bare contents without the record header (for comparisons with redis-cli)" };
        var expected = new Option<string?>("--expected") { HelpName = CompletionCommand.FileValue, Description = "Write the expected --uniq answer to this file instead of stdout" };
        var shard = new Option<string?>("--shard") { Description = "Write only hosts i with i % N == I (I/N), to spread one fleet over several cores" };
        var generate = new Command("generate", "Write a synthetic fleet into Redis and print the exact expected answer of the headline query")
        {
            hosts, seed, server, codec.Option, ttl, plain, expected, shard,
        };
        var tls = new TlsOptions();
        tls.AddTo(generate);
        generate.SetAction((parse, ct) => CliRunner.RunAsync(() => GenerateHandler.RunAsync(
            new GenerateArguments(parse.GetValue(hosts), parse.GetValue(seed), tls.Server(parse, parse.GetValue(server)!))
            {
                Codec = codec.Value(parse),
                Ttl = CommonOptions.ParseTtl(parse.GetValue(ttl)!),
                Plain = parse.GetValue(plain),
                ExpectedFile = parse.GetValue(expected),
                Shard = parse.GetValue(shard) is { } s ? FleetShard.Parse(s) : null,
            }, Console.Out, Console.Error, ct), Console.Error, parse.GetValue(CommonOptions.Verbose)));
        return new Command("fleet", "Synthetic fleets for tests, benchmarks and the demo") { generate };
    }
}

internal static class GenerateHandler
{
    public static async Task<int> RunAsync(GenerateArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var fleet = new SyntheticFleet(args.Hosts, args.Seed);
        var result = await FleetGenerator.GenerateAsync(fleet, args.Server, args.Codec, args.Ttl, args.Plain, cancellationToken, args.Shard);
        await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"sysops-fast: wrote {result.Objects} objects of {result.Hosts} hosts{(args.Shard is { } sh ? $" (shard {sh})" : "")} to {args.Server} ({result.RawBytes / 1e6:F0} MB raw, {result.StoredBytes / 1e6:F0} MB stored, {args.Codec}{(args.Plain ? ", plain" : "")}) in {result.Elapsed.TotalSeconds:F1} s"));
        var answer = UniqPrinter.Text(fleet.ExpectedUniq(args.Shard));
        if (args.ExpectedFile is { } file)
        {
            try
            {
                await File.WriteAllTextAsync(file, answer, new UTF8Encoding(false), CancellationToken.None);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw CliErrors.WriteFailed(file, e);
            }
        }
        else
        {
            await stdout.WriteLineAsync($"expected answer of: sysops-fast grep {SyntheticFleet.HeadlineObject} {SyntheticFleet.HeadlinePattern} --uniq");
            await stdout.WriteAsync(answer);
            await stdout.FlushAsync(CancellationToken.None);
        }
        return CliRunner.Matched;
    }
}
