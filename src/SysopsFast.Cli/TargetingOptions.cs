using System.CommandLine;
using SysopsFast.Topology;

namespace SysopsFast.Cli;

/// <summary>The scope and targeting options every query command takes, defined once.</summary>
internal sealed class TargetingOptions
{
    public Option<string[]> Servers { get; } = CommonOptions.Servers("Redis server to ask, redis://host:port[/db] (repeatable; bypasses the topology, each server is its own core)");

    public Option<string?> Topology { get; } = new("--topology") { HelpName = Commands.CompletionCommand.FileValue, Description = $"Topology file (default: ${TopologyFile.EnvironmentVariable}, ~/.config/sysops-fast/topology.toml, /etc/sysops-fast/topology.toml)" };

    private readonly ChoiceOption<QueryScope> _scope = new("--scope", "local (my core), site (all cores of --site) or global", QueryScope.Global);

    public Option<QueryScope> Scope => _scope.Option;

    public Option<string?> Site { get; } = new("--site") { Description = "Site for --scope site (default: my site)" };

    public Option<bool> NoLoadBalance { get; } = new("--no-load-balance") { Description = "Ask every server of each core, not one picked at random" };

    public Option<bool> AllowPartial { get; } = new("--allow-partial") { Description = "Answer even when a core has no live server, with a warning naming it" };

    public Option<string?> HostsFile { get; } = new("--hosts") { HelpName = Commands.CompletionCommand.FileValue, Description = "Only the hosts listed in this file, one per line ('-' reads standard input)" };

    public Option<string[]> HostGlobs { get; } = new("--host") { Description = "Only hosts matching this glob, e.g. 'eat1-*' (repeatable; all must match)", Arity = ArgumentArity.ZeroOrMore };

    public Option<string?> RangeQuery { get; } = new("--range-query") { Description = "Only the hosts this Range expression lists (needs --range-server)" };

    public Option<bool> Scan { get; } = new("--scan") { Description = "Find keys with SCAN over the whole keyspace, not the key catalog (for data written by clients that keep no catalog)" };

    public Option<string?> RangeServer { get; } = new("--range-server") { Description = "Yahoo Range server (host[:port]) for --range-query, and for the cores of --site when there is no topology file" };

    public TlsOptions Tls { get; } = new();

    /// <param name="tls">Whether to add the TLS files of rediss:// servers (serve's --tls-cert is its HTTPS certificate).</param>
    public void AddTo(Command command, bool tls = true)
    {
        command.Add(HostsFile);
        command.Add(HostGlobs);
        command.Add(RangeQuery);
        command.Add(RangeServer);
        command.Add(Servers);
        command.Add(Topology);
        command.Add(Scope);
        command.Add(Site);
        command.Add(NoLoadBalance);
        command.Add(AllowPartial);
        command.Add(Scan);
        if (tls)
        {
            Tls.AddTo(command);
        }
    }

    /// <summary>Every option <see cref="AddTo"/> adds without its TLS files (serve passes them on to each request).</summary>
    public IEnumerable<Option> All => [HostsFile, HostGlobs, RangeQuery, RangeServer, Servers, Topology, Scope, Site, NoLoadBalance, AllowPartial, Scan];

    /// <summary>The user's choices as the library's <see cref="TargetRequest"/>; the library resolves them (and warns).</summary>
    public async Task<(FleetTopology Topology, QueryTargeting Targeting)> ResolveAsync(ParseResult parse, TextWriter stderr, CancellationToken cancellationToken)
    {
        var resolved = await TargetResolver.ResolveAsync(Request(parse), cancellationToken);
        foreach (var w in resolved.Warnings)
        {
            await stderr.WriteLineAsync("sysops-fast: warning: " + w);
        }
        // serve with HTTP Basic: the request's user and password are its connections' (Redis decides what it may read).
        var topology = Serve.RequestConsole.Current?.Credentials is { } c ? resolved.Topology.WithCredentials(c.User, c.Password) : resolved.Topology;
        return (topology, resolved.Targeting);
    }

    public TargetRequest Request(ParseResult parse) => new()
    {
        Servers = parse.GetValue(Servers) ?? [],
        TopologyFile = parse.GetValue(Topology),
        Scope = _scope.Value(parse),
        Site = parse.GetValue(Site),
        NoLoadBalance = parse.GetValue(NoLoadBalance),
        AllowPartial = parse.GetValue(AllowPartial),
        Scan = parse.GetValue(Scan),
        HostsFile = parse.GetValue(HostsFile),
        // Console.In only when it is read: touching it initialises the console (keypad mode on a terminal).
        HostListInput = parse.GetValue(HostsFile) == "-" ? Console.In : null,
        HostGlobs = parse.GetValue(HostGlobs) ?? [],
        RangeQuery = parse.GetValue(RangeQuery),
        RangeServer = parse.GetValue(RangeServer),
        Tls = Tls.Files(parse),
    };
}
