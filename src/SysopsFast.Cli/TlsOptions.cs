using System.CommandLine;
using SysopsFast.Redis;

namespace SysopsFast.Cli;

/// <summary>--tls-ca, --tls-cert, --tls-key: the TLS files of rediss:// servers, on every command that connects to one.</summary>
internal sealed class TlsOptions
{
    public Option<string?> Ca { get; } = new("--tls-ca") { HelpName = Commands.CompletionCommand.FileValue, Description = $"CA certificate(s) (PEM) that sign the rediss:// servers' certificates (default: the topology file's tls_ca, else ${TlsFiles.CaEnvironmentVariable}, else the system's CAs)" };

    public Option<string?> Certificate { get; } = new("--tls-cert") { HelpName = Commands.CompletionCommand.FileValue, Description = "Client certificate (PEM) for rediss:// servers that ask for one (with --tls-key, unless the file holds its key)" };

    public Option<string?> Key { get; } = new("--tls-key") { HelpName = Commands.CompletionCommand.FileValue, Description = "Private key (PEM) of --tls-cert" };

    public void AddTo(Command command)
    {
        command.Add(Ca);
        command.Add(Certificate);
        command.Add(Key);
    }

    /// <summary>The files given (null when none): they replace the topology file's, and a CA given here wins over $SYSOPS_FAST_TLS_CA.</summary>
    public TlsFiles? Files(ParseResult parse)
    {
        var files = new TlsFiles(parse.GetValue(Ca), parse.GetValue(Certificate), parse.GetValue(Key));
        return files.IsEmpty ? null : files;
    }

    /// <summary>
    /// When every rediss:// server of this run is checked against a CA file (--tls-ca and
    /// $SYSOPS_FAST_TLS_CA each give every server one) and no other TLS peer is asked (an https
    /// Range server would need the system's CAs), that file stands in for the system store, which
    /// .NET would otherwise parse whole before the first handshake (<see cref="SystemTrustStore"/>).
    /// Called once, before the command runs; never for <c>push</c>, whose commands must see the
    /// environment as it was.
    /// </summary>
    public static void NarrowSystemStore(ParseResult parse)
    {
        // push runs commands, which would inherit the narrowed store (setenv changes the environment
        // children get); and it connects once per server, so the saving is small there.
        if (parse.CommandResult.Command.Name == "push")
        {
            return;
        }
        var options = parse.CommandResult.Command.Options;
        string? Given(string name) => options.FirstOrDefault(o => o.Name == name) is Option<string?> option ? parse.GetValue(option) : null;
        if (Given("--range-server") is { } range && range.StartsWith("https", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }
        var ca = Given("--tls-ca") ?? Environment.GetEnvironmentVariable(TlsFiles.CaEnvironmentVariable);
        if (!string.IsNullOrEmpty(ca))
        {
            SystemTrustStore.ReplaceWith(ca);
        }
    }

    /// <summary>A server given on the command line, with the TLS files given.</summary>
    public ServerAddress Server(ParseResult parse, string address) => ServerAddress.Parse(address).WithTls(Files(parse));
}
