using System.CommandLine;

namespace SysopsFast.Cli;

/// <summary>Real examples under each command's --help, as the original's help had them; kept in one place.</summary>
internal static class HelpExamples
{
    internal static readonly Dictionary<string, string[]> Examples = new(StringComparer.Ordinal)
    {
        ["grep"] =
        [
            "sysops-fast grep sysctl-a net.core.netdev_budget --uniq            # how many hosts have each value",
            "sysops-fast grep netstat-anp 10.1.2.3 -l                           # which hosts talk to 10.1.2.3",
            "sysops-fast grep sysctl-a somaxconn --uniq --lacking rpm-qa openssl-3.0.7-24",
            "sysops-fast grep /etc/passwd -E '^[^:]+:[^:]*:0:' -H               # accounts with uid 0",
        ],
        ["search"] =
        [
            "sysops-fast search /etc/passwd --md5sum -H                        # md5 of every host's copy",
            "sysops-fast search 'web*#/etc/hosts' --stat                         # mode, owner, size, mtime",
            "sysops-fast search sysctl-a --time-updated -H                       # how old each snapshot is",
            "sysops-fast search /etc/passwd --changed-since 1h --diff            # what changed in the last hour",
        ],
        ["list-files"] = ["sysops-fast list-files", "sysops-fast list-files 'db*#*' --json"],
        ["compare"] =
        [
            "sysops-fast compare web1.example.org#/etc/sysctl.conf sysctl.conf  # one host against all",
            "sysops-fast compare web1.example.org#/etc/passwd passwd --md5sum",
        ],
        ["compare-all"] = ["sysops-fast compare-all /etc/sysctl.conf                     # the odd ones out", "sysops-fast compare-all /etc/resolv.conf --hostlist --scope site --site eat1"],
        ["history"] = ["sysops-fast history web1.example.org#/etc/passwd   # its versions, newest first", "sysops-fast history sysctl-a --json"],
        ["kv"] = ["sysops-fast kv sysctl-a 'net.core.*' --only-drift", "sysops-fast kv /etc/sysctl.conf --show-hosts 3", "sysops-fast kv sysctl-a 'net.*' --changed-since 1d   # old -> new values"],
        ["acl"] = ["sysops-fast acl --role reader --user ops-read  # password from SYSOPS_FAST_REDIS_PASSWORD(_FILE)", "sysops-fast acl --role pusher --hosts /etc/sysops-fast/hosts.txt  # one user per host", "sysops-fast acl --host-password web01.example.com  # that host's own password"],
        ["audit"] = ["sysops-fast audit --since 6h", "sysops-fast audit --since 7d --json --scope global"],
        ["verify"] =
        [
            "sysops-fast verify                                  # every key of every core, copies compared across its servers",
            "sysops-fast verify /etc/passwd --scope site --site eat1 --json",
        ],
        ["info"] = ["sysops-fast info", "sysops-fast info --scope global --json"],
        ["extract"] = ["sysops-fast extract --search /etc/passwd --md5sum --prefix-hostnames", "sysops-fast extract --search sysctl.conf --compare-all --hostlist --scope site --site eat1"],
        ["migrate"] = ["sysops-fast migrate --from redis://old-mps:6379/1 --server redis://new-mps:6379"],
        ["push"] =
        [
            "sysops-fast push --dir /var/lib/sysops-fast/outgoing --server redis://mps01:6379 --server redis://mps02:6379",
            "sysops-fast push --dir /var/lib/sysops-fast/outgoing --command sysctl-a='sysctl -a' --command 'packages=dpkg-query -W' --command-timeout 60s",
            "sysops-fast push --config /etc/sysops-fast/agent.toml --hostname web01.example.com  # the file's settings, one overridden",
        ],
        ["dict"] =
        [
            "sysops-fast dict train --scope local                 # from a timer, on one machine per core",
            "sysops-fast dict train sysctl-a --server redis://mps01:6379 --server redis://mps02:6379",
            "sysops-fast dict list --scope site --site eat1 --json",
        ],
        ["catalog"] = ["sysops-fast catalog index --scope global   # as an admin, once every writer is upgraded"],
        ["dump"] = ["sysops-fast dump /tmp/fleet --objects '*#/etc/*'"],
        ["topology"] = ["sysops-fast topology --scope global"],
        ["serve"] =
        [
            "sysops-fast serve --server redis://mps01:6379         # http://127.0.0.1:8080/api/v1/query?q=grep+sysctl-a+somaxconn+--uniq",
            "sysops-fast serve --listen 0.0.0.0:8443 --tls-cert /etc/sysops-fast/https.pem --tls-key /etc/sysops-fast/https.key  # Basic users are Redis users",
        ],
        ["completion"] =
        [
            "sysops-fast completion bash                 # save as /etc/bash_completion.d/sysops-fast, or: source <(sysops-fast completion bash)",
            "sysops-fast completion zsh                  # save as _sysops-fast in a directory of $fpath",
        ],
    };

    /// <summary>
    /// When the command line asks for one command's help, appends "Examples:" to that command's
    /// description, or its subcommand's (only then: the root's list of commands stays one line each).
    /// </summary>
    public static void AddTo(Command root, string[] args)
    {
        if (args.Length < 2 || !args.Skip(1).Any(a => a is "--help" or "-h" or "-?"))
        {
            return;
        }
        var command = root.Subcommands.FirstOrDefault(c => c.Name == args[0]);
        if (command is null || !Examples.TryGetValue(command.Name, out var lines))
        {
            return;
        }
        // `dict train --help` shows them too: they go to the subcommand whose help is asked.
        foreach (var word in args.Skip(1))
        {
            if (command.Subcommands.FirstOrDefault(c => c.Name == word) is not { } sub)
            {
                break;
            }
            command = sub;
        }
        command.Description += "\n\nExamples:\n" + string.Join("\n", lines.Select(l => "  " + l));
    }
}
