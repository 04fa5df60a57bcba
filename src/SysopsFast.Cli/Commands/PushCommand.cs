using System.CommandLine;
using SysopsFast.Push;

namespace SysopsFast.Cli.Commands;

internal static class PushCommand
{
    public static Command Build()
    {
        var dir = new Option<string>("--dir", "-d") { HelpName = CompletionCommand.DirectoryValue, Description = "Directory of outgoing objects: files are command outputs, symlinks share the file they point to", DefaultValueFactory = _ => "/var/lib/sysops-fast/outgoing" };
        var servers = CommonOptions.Servers("Server of this host's core (repeatable; every one gets the data; default: the servers of the topology's local core)");
        var topologyFile = new Option<string?>("--topology") { HelpName = CompletionCommand.FileValue, Description = "Topology file whose 'local' core receives the push (when no --server is given)" };
        var ttl = new Option<string>("--ttl") { Description = "Expiry (6h, 30m, seconds; 0 = never)", DefaultValueFactory = _ => "6h" };
        var hostname = new Option<string?>("--hostname") { Description = "Host name to record (default: this machine's FQDN)" };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for each server", DefaultValueFactory = _ => 10 };
        var tls = new TlsOptions();
        var command = new Command("push", "Push this host's objects to every server of its core") { dir, servers, topologyFile, ttl, hostname, timeout };
        tls.AddTo(command);
        command.SetAction((parse, ct) => CliRunner.RunAsync(() => PushHandler.RunAsync(
            parse.GetValue(dir)!,
            Topology.TargetResolver.PushTargets(parse.GetValue(servers) ?? [], parse.GetValue(topologyFile), tls.Files(parse)),
            CommonOptions.ParseTtl(parse.GetValue(ttl)!),
            parse.GetValue(hostname) ?? LocalHostName(),
            TimeSpan.FromSeconds(parse.GetValue(timeout)),
            Console.Out, ct), Console.Error, parse.GetValue(CommonOptions.Verbose)));
        return command;
    }

    private static string LocalHostName()
    {
        try
        {
            return System.Net.Dns.GetHostEntry(Environment.MachineName).HostName;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return Environment.MachineName;
        }
    }
}

internal static class PushHandler
{
    public static async Task<int> RunAsync(string dir, IReadOnlyList<Redis.ServerAddress> servers, TimeSpan? ttl, string hostname, TimeSpan timeout, TextWriter stdout, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(hostname) || hostname.Contains('#', StringComparison.Ordinal))
        {
            throw Errors.BadArgument($"'{hostname}' cannot be a host name (empty, or contains '#'); give one with --hostname");
        }
        var objects = PushAgent.CollectDirectory(dir, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var outcomes = await PushAgent.PushAsync(hostname, objects, servers, ttl, timeout, cancellationToken);
        foreach (var o in outcomes)
        {
            await stdout.WriteLineAsync(o.ToString());
        }
        await stdout.FlushAsync(CancellationToken.None);
        return outcomes.Any(o => o.Succeeded) ? CliRunner.Matched : CliRunner.Error;
    }
}
