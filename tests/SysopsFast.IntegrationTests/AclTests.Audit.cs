using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// The audit trail under the printed ACLs: each Redis user appends only to its own stream
/// (<c>#audit:&lt;user&gt;</c>), so an entry's author is the stream the server let it into; no pusher
/// reaches an audit stream or a dictionary's bytes; <c>audit</c> merges every user's stream.
/// </summary>
public sealed partial class AclTests
{
    [Theory]
    [InlineData("pusher", "PEXPIRE #audit:reader 1")]
    [InlineData("pusher", "SET #audit:reader x")]
    [InlineData("pusher", "DEL #audit:reader")]
    [InlineData("pusher", "PERSIST #audit:reader")]
    [InlineData("pusher", "PEXPIRE #audit 1")]
    [InlineData("pusher", "SET #audit x")]
    [InlineData("pusher", "XADD #audit:pusher * who me")]
    [InlineData("pusher", "SET #dict:0000abcd forged")]
    [InlineData("pusher", "SET #dict:current forged")]
    [InlineData("pusher", "EXPIRE #dict:current 1")]
    [InlineData("web1.example.org", "SET #audit:web1.example.org x")]
    [InlineData("web1.example.org", "XADD #audit:web1.example.org * who me")]
    [InlineData("web1.example.org", "PEXPIRE #audit:reader 1")]
    [InlineData("reader", "XADD #audit:trainer * user reader")]
    [InlineData("reader", "XADD #audit * user reader")]
    [InlineData("reader", "PEXPIRE #audit:reader 1")]
    [InlineData("reader", "XADD #dict:0000abcd * who me")]
    [InlineData("trainer", "XADD #audit:reader * user trainer")]
    [InlineData("trainer", "SET #audit:trainer x")]
    [InlineData("trainer", "EXPIRE #audit:trainer 1")]
    [InlineData("trainer", "HSET #audit:trainer who me")]
    public async Task No_role_touches_another_users_audit_stream_nor_a_pusher_any_audit_or_dictionary_key(string user, string command)
    {
        Assert.StartsWith("NOPERM", await RedisCli(user, PasswordOf(user), command.Split(' ')), StringComparison.Ordinal);
    }

    /// <summary>A per-host pusher (its user is a host name, with dots) has its own password.</summary>
    private static string PasswordOf(string user) =>
        user.Contains('.', StringComparison.Ordinal) ? Redis.AclRules.HostPassword(Password, user) : Password;

    [Fact]
    public async Task Audit_lists_every_users_entries_in_time_order_with_the_author_the_server_vouches_for()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        foreach (var (user, step) in new[] { ("reader", 1), ("trainer", 2), ("reader", 3) })
        {
            var (exit, _, stderr) = await Cli("grep", "motd", $"hello|{tag}-{step}", "--server", As(user));
            Assert.True(exit == 0, stderr);
            Assert.DoesNotContain("audit", stderr, StringComparison.Ordinal);
        }
        // A reader naming another user in its own entry is still the author.
        Assert.Matches(@"^\d+-\d+$", await RedisCli("reader", Password, "XADD", "#audit:reader", "*", "user", "trainer", "pattern", $"hello|{tag}-4"));

        Assert.Equal([("1", "reader"), ("2", "trainer"), ("3", "reader"), ("4", "reader")], await AuditStepsAsync("reader", tag));
    }

    /// <summary>
    /// What no ACL can stop: a user rewrites its own stream (XADD MAXLEN 0 erases it; the last
    /// possible id makes every later XADD fail, so its queries go unrecorded, which it is told). It
    /// reaches no other user's entries, <c>audit</c> still lists them, and XINFO shows the gap.
    /// </summary>
    [Fact]
    public async Task A_user_can_spoil_only_its_own_stream_and_audit_still_lists_the_others()
    {
        var (exit, line, stderr) = await Cli("acl", "--role", "reader", "--user", "mallory");
        Assert.True(exit == 0, stderr);
        Assert.Equal("OK", await RedisCli("default", "unused", ["ACL", "SETUSER", .. line.Trim().Split(' ').Skip(1)]));
        var tag = Guid.NewGuid().ToString("N")[..8];
        foreach (var (user, step) in new[] { ("mallory", 1), ("trainer", 2) })
        {
            (exit, _, stderr) = await Cli("grep", "motd", $"hello|{tag}-{step}", "--server", As(user));
            Assert.True(exit == 0, stderr);
        }
        Assert.Matches(@"^\d+-\d+$", await RedisCli("mallory", Password, "XADD", "#audit:mallory", "MAXLEN", "0", "*", "pattern", "gone"));
        Assert.Equal("18446744073709551615-18446744073709551615", await RedisCli("mallory", Password, "XADD", "#audit:mallory", "18446744073709551615-18446744073709551615", "pattern", $"hello|{tag}-3"));
        (exit, _, stderr) = await Cli("grep", "motd", $"hello|{tag}-4", "--server", As("mallory"));
        Assert.True(exit == 0, stderr);
        Assert.Contains("the query was not recorded in the audit stream of", stderr, StringComparison.Ordinal);

        Assert.Equal([("2", "trainer"), ("3", "mallory")], await AuditStepsAsync("trainer", tag));
        var info = await RedisCli("default", "unused", "XINFO", "STREAM", "#audit:mallory");
        Assert.Matches(@"length\s+1\s", info);
        Assert.Matches(@"entries-added\s+3\s", info);
    }

    /// <summary>`audit --json` as <paramref name="user"/>: the step (last character of the pattern) and author of each entry whose pattern holds <paramref name="tag"/>, in the listing's order.</summary>
    private async Task<List<(string Step, string? User)>> AuditStepsAsync(string user, string tag)
    {
        var (exit, stdout, stderr) = await Cli("audit", "--since", "1h", "--json", "--server", As(user));
        Assert.True(exit == 0, stderr);
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)
            .Where(r => r.GetProperty("pattern").GetString()!.Contains(tag + "-", StringComparison.Ordinal))
            .Select(r => (r.GetProperty("pattern").GetString()![^1..], r.GetProperty("user").GetString()))
            .ToList();
    }
}
