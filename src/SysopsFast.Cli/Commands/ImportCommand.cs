using System.CommandLine;
using System.Globalization;
using SysopsFast.Config;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Output;

namespace SysopsFast.Cli.Commands;

internal static class ImportCommand
{
    public static Command Build()
    {
        var dir = new Argument<string>("dir") { HelpName = CompletionCommand.DirectoryValue, Description = "Directory with one sub-directory per host: DIR/<host>/<path> becomes <host>#/<path>; or a tar archive of one (tar -C DIR -c .), or - to read that tar stream from standard input" };
        var server = new Option<string>("--server", "-s") { Description = "Server to write to", DefaultValueFactory = _ => "127.0.0.1:6379" };
        var codec = CommonOptions.Codec();
        var ttl = new Option<string>("--ttl") { Description = "Expiry of every key (6h, 30m, 0 = never)", DefaultValueFactory = _ => "6h" };
        var allowSensitive = new Option<bool>("--allow-sensitive") { Description = "Import files that look like secrets too (/etc/shadow, private keys: refused by default, as push never sends them)" };
        var followSymlinks = new Option<bool>("--follow-symlinks") { Description = "Follow symlinks whose real path stays inside DIR (default: no symlink is followed; each is counted, and named with --verbose; a tar stream's never are)" };
        var maxSize = new Option<string?>("--max-object-size") { Description = "Files larger than this are stored as a record that says so, without contents, as push does (bytes, or 512K, 10MiB, 1G; default 10MiB)" };
        var history = CommonOptions.History();
        var historyAge = CommonOptions.HistoryAge();
        var tls = new TlsOptions();
        var command = new Command("import", "Load a directory tree of hosts' files, or a tar stream of one, into Redis (regular files only)") { dir, server, codec.Option, ttl, allowSensitive, followSymlinks, maxSize, history, historyAge };
        tls.AddTo(command);
        command.SetAction((parse, ct) => CliRunner.RunAsync(
            () => ImportHandler.RunAsync(
                parse.GetValue(dir)!,
                tls.Server(parse, parse.GetValue(server)!),
                codec.Value(parse),
                CommonOptions.ParseTtl(parse.GetValue(ttl)!),
                new ImportOptions(parse.GetValue(allowSensitive), parse.GetValue(followSymlinks), parse.GetValue(maxSize) is { } size ? ByteSizeParser.ParseSizeCap(size) : RecordEncoder.DefaultSizeCap)
                {
                    History = Push.HistoryRetention.Parse(parse.GetValue(history), parse.GetValue(historyAge)),
                },
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
        var result = await ImportAsync(dir, server, codec, ttl, options, cancellationToken);
        foreach (var s in result.Skipped.Concat(verbose ? result.LinksNotFollowed.Concat(result.NotRegular) : []))
        {
            await stderr.WriteLineAsync("sysops-fast: skipped " + Shown(s));
        }
        await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"sysops-fast: imported {result.Objects} objects of {result.Hosts} hosts into {server} ({result.StoredBytes / 1e6:F1} MB stored) in {result.Elapsed.TotalSeconds:F1} s{NotRead(result, options, verbose, IsTar(dir))}"));
        return result.Skipped.Count > 0 ? CliRunner.Error : CliRunner.Matched;
    }

    /// <summary>A directory, or a tar stream: "-" (standard input) or any other file (an archive, a pipe such as &lt;(ssh h tar -c .)).</summary>
    private static async Task<ImportResult> ImportAsync(string source, Redis.ServerAddress server, PayloadCodec codec, TimeSpan? ttl, ImportOptions options, CancellationToken cancellationToken)
    {
        if (!IsTar(source))
        {
            return await FleetImporter.ImportAsync(source, server, codec, ttl, cancellationToken, options);
        }
        if (source == "-" && !Console.IsInputRedirected)
        {
            throw CliErrors.StdinIsTerminal();
        }
        await using var archive = source == "-" ? Console.OpenStandardInput() : OpenArchive(source);
        return await FleetImporter.ImportTarAsync(archive, server, codec, ttl, cancellationToken, options);
    }

    /// <summary>"-", or a file that exists and is no directory (File.Exists says false of a directory).</summary>
    private static bool IsTar(string source) => source == "-" || File.Exists(source);

    private static FileStream OpenArchive(string path)
    {
        try
        {
            return File.OpenRead(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CliErrors.ReadFailed(path, e);
        }
    }

    /// <summary>A name from the tree or the stream on one line, its control characters as cat -v shows them (newline and tab too).</summary>
    private static string Shown(string line) =>
        ControlEscaping.Escape(line.Replace("\n", "^J", StringComparison.Ordinal).Replace("\t", "^I", StringComparison.Ordinal));

    /// <summary>What was deliberately not read, counted (named above with --verbose).</summary>
    private static string NotRead(ImportResult result, ImportOptions options, bool verbose, bool tar)
    {
        if (result.LinksNotFollowed.Count + result.NotRegular.Count == 0)
        {
            return "";
        }
        var links = options.FollowSymlinks ? "leading out of DIR"
            : tar ? "not followed (tar --dereference stores what they lead to)"
            : "not followed (--follow-symlinks follows those inside DIR)";
        return string.Create(CultureInfo.InvariantCulture,
            $"; not read: {result.LinksNotFollowed.Count} symlink(s) {links}, {result.NotRegular.Count} FIFO(s), device(s) or socket(s){(verbose ? "" : " (--verbose names them)")}");
    }
}
