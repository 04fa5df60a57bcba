namespace SysopsFast.Cli;

/// <summary>
/// <c>sysops-fast extract [the original's options]</c>: rewrites a command line of the original
/// <c>extract_sysops_cache.py</c> into the equivalent modern command (search, list-files, info,
/// compare, compare-all), which then runs as usual. docs/OPTIONS.md lists every option and what it
/// becomes. Options this tool has and the original had not (--server, --topology, --json …) pass through.
/// </summary>
internal static class ExtractTranslator
{
    private static readonly string[] DataFlags = ["--contents", "--md5sum", "--stat", "--wordcount", "--time"];

    /// <summary>Options that take a value, in the original's spelling.</summary>
    private static readonly HashSet<string> Valued = new(StringComparer.Ordinal)
    {
        "--search", "--compare", "--scope", "--site", "--range-query", "--range-servers", "--file",
    };

    /// <summary>The modern arguments for <paramref name="args"/> (the words after <c>extract</c>).</summary>
    public static string[] Translate(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var flags = new HashSet<string>(StringComparer.Ordinal);
        var passThrough = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var (name, inline) = Split(args[i]);
            if (Valued.Contains(name))
            {
                values[name] = inline ?? (i + 1 < args.Count ? args[++i] : throw CliErrors.BadArgument($"extract: {name} needs a value"));
            }
            else if (name is "--list-files" or "--info" or "--compare-all" or "--hostlist" or "--cost" or "--no-load-balance" or "--prefix-hostnames" or "-H" or "--time-human" or "--time-updated" || DataFlags.Contains(name))
            {
                flags.Add(name == "-H" ? "--prefix-hostnames" : name);
            }
            else
            {
                passThrough.Add(args[i]);
            }
        }
        Validate(values, flags);
        var modern = new List<string>();
        modern.AddRange(Command(values, flags));
        modern.AddRange(Targeting(values, flags));
        // info reads no records: nothing to cost.
        if (flags.Contains("--cost") && !flags.Contains("--info"))
        {
            modern.Add("--cost");
        }
        modern.AddRange(passThrough);
        return modern.ToArray();
    }

    private static (string Name, string? Value) Split(string arg)
    {
        var eq = arg.IndexOf('=', StringComparison.Ordinal);
        return arg.StartsWith("--", StringComparison.Ordinal) && eq > 0 ? (arg[..eq], arg[(eq + 1)..]) : (arg, null);
    }

    /// <summary>The original's rules (its messages, reworded); each is a usage error.</summary>
    private static void Validate(Dictionary<string, string> values, HashSet<string> flags)
    {
        var search = values.ContainsKey("--search");
        if ((values.ContainsKey("--compare") || flags.Contains("--compare-all")) && !search)
        {
            throw CliErrors.BadArgument("extract: --compare and --compare-all need --search");
        }
        if (values.ContainsKey("--compare") && flags.Contains("--compare-all"))
        {
            throw CliErrors.BadArgument("extract: --compare and --compare-all cannot be combined");
        }
        if (flags.Contains("--hostlist") && !flags.Contains("--compare-all"))
        {
            throw CliErrors.BadArgument("extract: --hostlist needs --compare-all");
        }
        if (!search && !flags.Contains("--list-files") && !flags.Contains("--info"))
        {
            throw CliErrors.BadArgument("extract: give --search, --list-files or --info");
        }
        if (flags.Contains("--time-human") && flags.Contains("--time-updated"))
        {
            throw CliErrors.BadArgument("extract: you can only use --time, --time-updated or --time-human; pick one");
        }
        if (DataFlags.Count(f => f != "--time" && flags.Contains(f)) + (flags.Overlaps(["--time", "--time-human", "--time-updated"]) ? 1 : 0) > 1)
        {
            throw CliErrors.BadArgument("extract: you can only use --contents, --md5sum, --stat, --wordcount or --time; pick one");
        }
    }

    private static IEnumerable<string> Command(Dictionary<string, string> values, HashSet<string> flags)
    {
        var prefix = flags.Contains("--prefix-hostnames");
        if (flags.Contains("--info"))
        {
            return prefix ? ["info", "--original-layout", "-H"] : ["info", "--original-layout"];
        }
        if (flags.Contains("--list-files"))
        {
            return ["list-files", values.GetValueOrDefault("--search") ?? "*#*", "--original-layout"];
        }
        var search = values["--search"];
        if (flags.Contains("--compare-all"))
        {
            return flags.Contains("--hostlist") ? ["compare-all", search, "--hostlist"] : ["compare-all", search];
        }
        var field = Field(flags);
        if (values.TryGetValue("--compare", out var other))
        {
            return field is null ? ["compare", search, other] : ["compare", search, other, field];
        }
        var command = new List<string> { "search", search, "--original-layout" };
        if (field is not null)
        {
            command.Add(field);
        }
        if (prefix)
        {
            command.Add("-H");
        }
        return command;
    }

    /// <summary>The one data flag; --time-human and --time-updated win over --time, as in the original.</summary>
    private static string? Field(HashSet<string> flags) =>
        flags.Contains("--time-human") ? "--time-human"
        : flags.Contains("--time-updated") ? "--time-updated"
        : DataFlags.FirstOrDefault(flags.Contains);

    /// <summary>Scope as the original chose it: --site forces site; a range query without a site widens to global.</summary>
    private static IEnumerable<string> Targeting(Dictionary<string, string> values, HashSet<string> flags)
    {
        var scope = values.GetValueOrDefault("--scope") ?? "local";
        if (scope is not ("local" or "site" or "global"))
        {
            throw CliErrors.BadArgument($"extract: --scope must be local, site or global, not '{scope}'");
        }
        if (values.TryGetValue("--site", out var site))
        {
            scope = "site";
            yield return "--site";
            yield return site;
        }
        else if (values.ContainsKey("--range-query") && scope != "site")
        {
            scope = "global";
        }
        yield return "--scope";
        yield return scope;
        if (values.TryGetValue("--range-query", out var query))
        {
            yield return "--range-query";
            yield return query;
        }
        if (values.TryGetValue("--range-servers", out var servers))
        {
            yield return "--range-server";
            yield return servers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? servers;
        }
        if (values.TryGetValue("--file", out var file))
        {
            yield return "--hosts";
            yield return file;
        }
        if (flags.Contains("--no-load-balance"))
        {
            yield return "--no-load-balance";
        }
    }
}
