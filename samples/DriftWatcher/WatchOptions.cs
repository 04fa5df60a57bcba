namespace DriftWatcher;

/// <summary>The command line, parsed by hand: five options do not need a parser library.</summary>
internal sealed record WatchOptions(IReadOnlyList<string> Servers, string ObjectPattern, string? KeyGlob, TimeSpan Interval, int Rounds)
{
    public const string Usage =
        "usage: drift-watcher --server HOST:PORT [--server …] --object PATTERN [--key-glob GLOB] [--interval SECONDS] [--rounds N]";

    /// <summary>Throws <see cref="ArgumentException"/> with one line saying what is wrong.</summary>
    public static WatchOptions Parse(IReadOnlyList<string> args)
    {
        var servers = new List<string>();
        string? pattern = null, glob = null;
        var interval = TimeSpan.FromSeconds(60);
        var rounds = 0;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            var value = i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value");
            switch (name)
            {
                case "--server": servers.Add(value); break;
                case "--object": pattern = value; break;
                case "--key-glob": glob = value; break;
                case "--interval": interval = TimeSpan.FromSeconds(Positive(name, value)); break;
                case "--rounds": rounds = Positive(name, value); break;
                default: throw new ArgumentException($"unknown option '{name}'");
            }
        }
        if (servers.Count == 0 || pattern is null)
        {
            throw new ArgumentException("--server and --object are required");
        }
        return new(servers, pattern, glob, interval, rounds);
    }

    private static int Positive(string name, string value) =>
        int.TryParse(value, out var n) && n > 0 ? n : throw new ArgumentException($"{name} takes a whole number above 0, not '{value}'");
}
