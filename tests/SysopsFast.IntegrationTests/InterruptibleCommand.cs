using System.Diagnostics;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// A command a test sends Ctrl-C (SIGINT) to, started through perl, which puts SIGINT back to its
/// default and execs it (same PID). A suite started in the background (a non-interactive shell's
/// <c>&amp;</c>) hands its children SIGINT ignored, and .NET keeps an ignore it inherits, as a
/// background job should: the CLI never saw the test's Ctrl-C and ran until the test's timeout.
/// </summary>
internal static class InterruptibleCommand
{
    /// <summary>Put before the command's words; perl-base is part of every Debian system.</summary>
    public static IReadOnlyList<string> Prefix { get; } = ["perl", "-e", "$SIG{INT} = 'DEFAULT'; exec { $ARGV[0] } @ARGV or die \"exec $ARGV[0]: $!\\n\""];

    /// <summary>The start of <paramref name="command"/> (program, then its arguments) with SIGINT at its default.</summary>
    public static ProcessStartInfo Start(params string[] command)
    {
        var start = new ProcessStartInfo(Prefix[0]);
        foreach (var a in Prefix.Skip(1).Concat(command))
        {
            start.ArgumentList.Add(a);
        }
        return start;
    }
}
