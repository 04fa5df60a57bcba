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
        var timeout = new Option<string>("--timeout") { Description = "Time to wait for each server (seconds, or 30s, 1m)", DefaultValueFactory = _ => "10" };
        var ledger = new Option<string?>("--ledger") { HelpName = CompletionCommand.FileValue, Description = "What was last pushed to each server, so unchanged objects are only refreshed without reading records (default: $STATE_DIRECTORY/pushed.json, else ~/.local/state/sysops-fast/pushed.json)" };
        var cache = new Option<string?>("--dictionary-cache") { HelpName = CompletionCommand.DirectoryValue, Description = "Where compression dictionaries fetched from the servers are kept between runs (default: $CACHE_DIRECTORY/dicts, else ~/.cache/sysops-fast/dicts)" };
        var tls = new TlsOptions();
        var command = new Command("push", "Push this host's objects to every server of its core") { dir, servers, topologyFile, ttl, hostname, timeout, ledger, cache };
        tls.AddTo(command);
        command.SetAction((parse, ct) => CliRunner.RunAsync(() => PushHandler.RunAsync(
            parse.GetValue(dir)!,
            Topology.TargetResolver.PushTargets(parse.GetValue(servers) ?? [], parse.GetValue(topologyFile), tls.Files(parse)),
            CommonOptions.ParseTtl(parse.GetValue(ttl)!),
            parse.GetValue(hostname) ?? LocalHostName(),
            CommonOptions.ParseTimeout(parse.GetValue(timeout)!),
            new PushFiles(parse.GetValue(ledger) ?? DefaultLedger(), parse.GetValue(cache) ?? DefaultDictionaryCache()),
            Console.Out, Console.Error, ct), Console.Error, parse.GetValue(CommonOptions.Verbose)));
        return command;
    }

    /// <summary>systemd's StateDirectory= when run as a service, else the user's XDG state directory.</summary>
    private static string DefaultLedger()
    {
        if (Environment.GetEnvironmentVariable("STATE_DIRECTORY") is { Length: > 0 } service)
        {
            return Path.Combine(service.Split(':')[0], "pushed.json");
        }
        var state = Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        return Path.Combine(state, "sysops-fast", "pushed.json");
    }

    /// <summary>systemd's CacheDirectory= when run as a service, else the user's XDG cache directory.</summary>
    private static string DefaultDictionaryCache()
    {
        if (Environment.GetEnvironmentVariable("CACHE_DIRECTORY") is { Length: > 0 } service)
        {
            return Path.Combine(service.Split(':')[0], "dicts");
        }
        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(cache, "sysops-fast", "dicts");
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

/// <summary>The files a push keeps between runs: its ledger and its dictionary cache.</summary>
internal sealed record PushFiles(string Ledger, string DictionaryCache);

internal static class PushHandler
{
    public static async Task<int> RunAsync(string dir, IReadOnlyList<Redis.ServerAddress> servers, TimeSpan? ttl, string hostname, TimeSpan timeout, PushFiles files, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var collected = PushAgent.Collect(dir, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var objects = collected.Objects;
        foreach (var name in collected.Sensitive)
        {
            await stderr.WriteLineAsync($"sysops-fast: not pushed: '{name}' looks like a secret (deny-list: {string.Join(" ", SensitiveObjects.Default.Globs)})");
        }
        var ledger = PushLedger.Load(files.Ledger);
        using var dictionaries = DictionaryCache.OnDisk(files.DictionaryCache);
        var outcomes = await PushAgent.PushAsync(hostname, objects, servers, ttl, timeout, cancellationToken, ledger, dictionaries: dictionaries);
        foreach (var o in outcomes)
        {
            await stdout.WriteLineAsync(o.ToString());
        }
        await stdout.FlushAsync(CancellationToken.None);
        if (!outcomes.Any(o => o.Succeeded))
        {
            return CliRunner.Error; // nothing was taken: the ledger stays as it was
        }
        foreach (var warning in new[] { ledger.Save(), dictionaries.Warning }.OfType<string>())
        {
            await stderr.WriteLineAsync("sysops-fast: " + warning);
        }
        return CliRunner.Matched;
    }
}
