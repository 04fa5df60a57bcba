using System.CommandLine;
using System.Globalization;
using SysopsFast.Fleet;
using SysopsFast.Format;

namespace SysopsFast.Cli.Commands;

internal static class ImportCommand
{
    public static Command Build()
    {
        var dir = new Argument<string>("dir") { HelpName = CompletionCommand.DirectoryValue, Description = "Directory with one sub-directory per host: DIR/<host>/<path> becomes <host>#/<path>" };
        var server = new Option<string>("--server", "-s") { Description = "Server to write to", DefaultValueFactory = _ => "127.0.0.1:6379" };
        var codec = CommonOptions.Codec();
        var ttl = new Option<string>("--ttl") { Description = "Expiry of every key (6h, 30m, 0 = never)", DefaultValueFactory = _ => "6h" };
        var allowSensitive = new Option<bool>("--allow-sensitive") { Description = "Import files that look like secrets too (/etc/shadow, private keys: refused by default, as push never sends them)" };
        var tls = new TlsOptions();
        var command = new Command("import", "Load a directory tree of hosts' files into Redis") { dir, server, codec.Option, ttl, allowSensitive };
        tls.AddTo(command);
        command.SetAction((parse, ct) => CliRunner.RunAsync(() => ImportHandler.RunAsync(
            parse.GetValue(dir)!, tls.Server(parse, parse.GetValue(server)!), codec.Value(parse), CommonOptions.ParseTtl(parse.GetValue(ttl)!), Console.Error, ct, parse.GetValue(allowSensitive)),
            Console.Error, parse.GetValue(CommonOptions.Verbose)));
        return command;
    }
}

internal static class ImportHandler
{
    public static async Task<int> RunAsync(string dir, Redis.ServerAddress server, PayloadCodec codec, TimeSpan? ttl, TextWriter stderr, CancellationToken cancellationToken, bool allowSensitive = false)
    {
        var result = await FleetImporter.ImportAsync(dir, server, codec, ttl, cancellationToken, allowSensitive);
        foreach (var s in result.Skipped)
        {
            await stderr.WriteLineAsync("sysops-fast: skipped " + s);
        }
        await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"sysops-fast: imported {result.Objects} objects of {result.Hosts} hosts into {server} ({result.StoredBytes / 1e6:F1} MB stored) in {result.Elapsed.TotalSeconds:F1} s"));
        return result.Skipped.Count > 0 ? CliRunner.Error : CliRunner.Matched;
    }
}
