using System.CommandLine;
using SysopsFast.Push;

namespace SysopsFast.Cli.Commands;

internal static class PushCommand
{
    public static Command Build()
    {
        var config = ValueRules.EmptyMeansNone(new Option<string?>("--config") { HelpName = CompletionCommand.FileValue, Description = $"Agent configuration file (default: {AgentConfigFile.DefaultPath} when it exists; '' for none); options given here override it" });
        var dir = new Option<string?>("--dir", "-d") { HelpName = CompletionCommand.DirectoryValue, Description = $"Directory of outgoing objects: files are command outputs, symlinks share the file they point to (default: {PushSettings.DefaultDirectory}, when it exists)" };
        var servers = CommonOptions.Servers("Server of this host's core (repeatable; every one gets the data; default: the configuration's servers, else the servers of the topology's local core)");
        var topologyFile = new Option<string?>("--topology") { HelpName = CompletionCommand.FileValue, Description = "Topology file whose 'local' core receives the push (when no --server is given)" };
        var ttl = new Option<string?>("--ttl") { Description = "Expiry (6h, 30m, seconds; 0 = never; default 6h)" };
        var hostname = new Option<string?>("--hostname") { Description = "Host name to record (default: this machine's FQDN)" };
        var timeout = new Option<string?>("--timeout") { Description = "Time to wait for each server (seconds, or 30s, 1m; default 10)" };
        var ledger = new Option<string?>("--ledger") { HelpName = CompletionCommand.FileValue, Description = "What was last pushed to each server, so unchanged objects are only refreshed without reading records; the lock file push.lock is kept beside it (default: $STATE_DIRECTORY/pushed.json, else ~/.local/state/sysops-fast/pushed.json)" };
        var commands = new Option<string[]>("--command") { HelpName = "NAME=COMMAND", Description = "A command to run with /bin/sh -c, its output pushed as cmd/NAME (repeatable; replaces the configuration's command of that name)", Arity = ArgumentArity.ZeroOrMore, AllowMultipleArgumentsPerToken = false };
        var commandTimeout = new Option<string?>("--command-timeout") { Description = $"Time a command may run before it is killed with everything it started (default {CommandSpec.DefaultTimeoutSeconds}s)" };
        var hardware = ValueRules.EmptyMeansNone(new Option<string?>("--hardware-identification") { HelpName = CompletionCommand.FileValue, Description = $"JSON file of {{\"name\": \"output\"}} command outputs, each pushed as cmd/name (default: {HardwareIdentificationFile.DefaultPath} when it exists; '' for none)" });
        var maxSize = new Option<string?>("--max-object-size") { Description = "Objects larger than this are stored as a record that says so, without contents (bytes, or 512K, 10MiB, 1G; default 10MiB)" };
        var jitter = new Option<string?>("--jitter") { Description = "Wait a random time up to this first, so that a fleet's pushes spread out (seconds, or 2m; default 0)" };
        var cache = new Option<string?>("--dictionary-cache") { HelpName = CompletionCommand.DirectoryValue, Description = "Where compression dictionaries fetched from the servers are kept between runs (default: $CACHE_DIRECTORY/dicts, else ~/.cache/sysops-fast/dicts)" };
        var history = CommonOptions.History();
        var historyAge = CommonOptions.HistoryAge();
        var tls = new TlsOptions();
        var command = new Command("push", "Push this host's objects to every server of its core") { config, dir, servers, topologyFile, ttl, hostname, timeout, ledger, commands, commandTimeout, hardware, maxSize, jitter, cache, history, historyAge };
        tls.AddTo(command);
        command.SetAction((parse, ct) => CliRunner.RunAsync(
            () => PushHandler.RunAsync(
                new PushRequest
                {
                    ConfigFile = parse.GetValue(config),
                    Servers = parse.GetValue(servers) ?? [],
                    TopologyFile = parse.GetValue(topologyFile),
                    Hostname = parse.GetValue(hostname),
                    Directory = parse.GetValue(dir),
                    Ttl = parse.GetValue(ttl),
                    Timeout = parse.GetValue(timeout),
                    MaxObjectSize = parse.GetValue(maxSize),
                    Jitter = parse.GetValue(jitter),
                    Ledger = parse.GetValue(ledger),
                    DictionaryCache = parse.GetValue(cache),
                    HardwareIdentification = parse.GetValue(hardware),
                    Commands = parse.GetValue(commands) ?? [],
                    CommandTimeout = parse.GetValue(commandTimeout),
                    Tls = tls.Files(parse),
                    History = parse.GetValue(history),
                    HistoryAge = parse.GetValue(historyAge),
                },
                Console.Out, Console.Error, ct),
            Console.Error, parse.GetValue(CommonOptions.Verbose)));
        return command;
    }
}

internal static class PushHandler
{
    public static async Task<int> RunAsync(PushRequest request, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var settings = PushSettings.Resolve(request);
        foreach (var w in settings.Warnings)
        {
            await stderr.WriteLineAsync("sysops-fast: warning: " + w);
        }
        var report = await PushRun.RunAsync(settings, cancellationToken);
        foreach (var note in report.Notes)
        {
            await stderr.WriteLineAsync("sysops-fast: " + note);
        }
        foreach (var o in report.Outcomes)
        {
            await stdout.WriteLineAsync(o.ToString());
        }
        await stdout.FlushAsync(CancellationToken.None);
        return report.AnySucceeded ? CliRunner.Matched : CliRunner.Error;
    }
}
