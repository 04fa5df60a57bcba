using System.CommandLine;
using SysopsFast.Redis;

namespace SysopsFast.Cli.Commands;

/// <summary>
/// <c>acl</c>: the Redis ACL rule of a role (docs/SECURITY.md), so that operators need not write
/// ACLs by hand. The password (per-host pushers: the secret their passwords derive from) comes from
/// SYSOPS_FAST_REDIS_PASSWORD or the file named by SYSOPS_FAST_REDIS_PASSWORD_FILE, never argv.
/// </summary>
internal static class AclCommand
{
    public static Command Build()
    {
        var role = new Option<string?>("--role") { Description = "reader (queries), pusher (push), trainer (dict train) or admin (everything)" };
        role.AcceptOnlyFromAmong("reader", "pusher", "trainer", "admin");
        var user = new Option<string?>("--user") { Description = "The Redis user name (default: sysops-reader, sysops-pusher or sysops-admin)" };
        var hosts = new Option<string?>("--hosts") { HelpName = CompletionCommand.FileValue, Description = "With --role pusher: one user per host of FILE (one host name a line), each limited to its own keys, with its own password derived from the secret" };
        var hostPassword = new Option<string?>("--host-password") { HelpName = "HOST", Description = "Print HOST's own password (derived from the secret), to install on that host" };
        var command = new Command("acl", "Print the Redis ACL rule (an ACL file 'user' line) of a role, with the password's hash") { role, user, hosts, hostPassword };
        command.SetAction((parse, ct) => CliRunner.RunAsync(async () =>
        {
            var secret = AclRules.SecretFromEnvironment();
            foreach (var line in Lines(Role(parse.GetValue(role)), parse.GetValue(user), parse.GetValue(hosts), parse.GetValue(hostPassword), secret))
            {
                await Console.Out.WriteLineAsync(line);
            }
            return CliRunner.Matched;
        }, Console.Error, parse.GetValue(CommonOptions.Verbose)));
        return command;
    }

    private static AclRole? Role(string? name) => name switch
    {
        "reader" => AclRole.Reader,
        "pusher" => AclRole.Pusher,
        "trainer" => AclRole.Trainer,
        "admin" => AclRole.Admin,
        _ => null,
    };

    private static IEnumerable<string> Lines(AclRole? role, string? user, string? hostsFile, string? hostPassword, string secret)
    {
        if (hostPassword is not null)
        {
            return role is null && user is null && hostsFile is null
                ? [AclRules.HostPassword(secret, hostPassword)]
                : throw CliErrors.BadArgument("--host-password is given alone");
        }
        if (role is not { } r)
        {
            throw CliErrors.BadArgument("give --role reader, pusher, trainer or admin");
        }
        if (hostsFile is null)
        {
            return [AclRules.Line(r, user ?? AclRules.DefaultUser(r), secret)];
        }
        if (r != AclRole.Pusher || user is not null)
        {
            throw CliErrors.BadArgument("--hosts makes one pusher per host: it goes with --role pusher and no --user");
        }
        return HostNames(hostsFile).Select(h => AclRules.HostPusherLine(h, secret));
    }

    private static IEnumerable<string> HostNames(string file)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CliErrors.BadArgument($"cannot read the host list '{file}' ({e.Message})");
        }
        return lines.Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith(';') && !l.StartsWith("//", StringComparison.Ordinal)).Distinct(StringComparer.Ordinal);
    }
}
