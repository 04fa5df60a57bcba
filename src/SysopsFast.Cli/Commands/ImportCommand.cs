using System.CommandLine;
using System.Globalization;
using SysopsFast.Config;
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
        var followSymlinks = new Option<bool>("--follow-symlinks") { Description = "Follow symlinks whose real path stays inside DIR (default: no symlink is followed; each is counted, and named with --verbose)" };
        var maxSize = new Option<string?>("--max-object-size") { Description = "Files larger than this are stored as a record that says so, without contents, as push does (bytes, or 512K, 10MiB, 1G; default 10MiB)" };
        var tls = new TlsOptions();
        var command = new Command("import", "Load a directory tree of hosts' files into Redis (regular files only)") { dir, server, codec.Option, ttl, allowSensitive, followSymlinks, maxSize };
        tls.AddTo(command);
        command.SetAction((parse, ct) => CliRunner.RunAsync(
            () => ImportHandler.RunAsync(
                parse.GetValue(dir)!,
                tls.Server(parse, parse.GetValue(server)!),
                codec.Value(parse),
                CommonOptions.ParseTtl(parse.GetValue(ttl)!),
                new ImportOptions(parse.GetValue(allowSensitive), parse.GetValue(followSymlinks), parse.GetValue(maxSize) is { } size ? ByteSizeParser.ParseSizeCap(size) : RecordEncoder.DefaultSizeCap),
                Console.Error,
                parse.GetValue(CommonOptions.Verbose),
                ct),
            Console.Error,
            parse.GetValue(CommonOptions.Verbose)));
        return command;
    }
}

internal static class ImportHandler
{
    public static async Task<int> RunAsync(string dir, Redis.ServerAddress server, PayloadCodec codec, TimeSpan? ttl, ImportOptions options, TextWriter stderr, bool verbose, CancellationToken cancellationToken)
    {
        var result = await FleetImporter.ImportAsync(dir, server, codec, ttl, cancellationToken, options);
        foreach (var s in result.Skipped.Concat(verbose ? result.LinksNotFollowed.Concat(result.NotRegular) : []))
        {
            await stderr.WriteLineAsync("sysops-fast: skipped " + s);
        }
        await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"sysops-fast: imported {result.Objects} objects of {result.Hosts} hosts into {server} ({result.StoredBytes / 1e6:F1} MB stored) in {result.Elapsed.TotalSeconds:F1} s{NotRead(result, options, verbose)}"));
        return result.Skipped.Count > 0 ? CliRunner.Error : CliRunner.Matched;
    }

    /// <summary>What was deliberately not read, counted (named above with --verbose).</summary>
    private static string NotRead(ImportResult result, ImportOptions options, bool verbose)
    {
        if (result.LinksNotFollowed.Count + result.NotRegular.Count == 0)
        {
            return "";
        }
        var links = options.FollowSymlinks ? "leading out of DIR" : "not followed (--follow-symlinks follows those inside DIR)";
        return string.Create(CultureInfo.InvariantCulture,
            $"; not read: {result.LinksNotFollowed.Count} symlink(s) {links}, {result.NotRegular.Count} FIFO(s), device(s) or socket(s){(verbose ? "" : " (--verbose names them)")}");
    }
}
