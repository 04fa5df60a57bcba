using System.Diagnostics;
using System.Text;
using StackExchange.Redis;
using SysopsFast.Format;
using SysopsFast.Push;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// What the agent pushes (issue 11 §2), through the real CLI against a real redis-server: commands it
/// runs, the hardware identification file, the size cap, agent.toml, and the guards around a run
/// (jitter, the lock, a core that is down).
/// </summary>
public sealed class PushAgentTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IDisposable
{
    private const string Host = "agent.example.org";

    private readonly string _work = Directory.CreateTempSubdirectory("sysops-fast-agent-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private string Url(int db) => $"redis://{redis.Address}/{db}";

    private string Ledger => Path.Combine(_work, "state", "pushed.json");

    /// <summary>A push of <see cref="Host"/> to database <paramref name="db"/>, its ledger in the test's directory, no hardware file unless given.</summary>
    private static string[] PushArgs(string url, string ledger, params string[] args) =>
        ["push", "--hostname", Host, "--ledger", ledger, "--server", url, .. args.Contains("--hardware-identification") ? [] : new[] { "--hardware-identification", "" }, .. args];

    private Task<(int Exit, string Stdout, string Stderr)> Push(int db, params string[] args) => CliProcessTests.Run(PushArgs(Url(db), Ledger, args));

    private string Outgoing(params (string Name, byte[] Content)[] files)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_work, "outgoing-" + Guid.NewGuid().ToString("N"))).FullName;
        foreach (var (name, content) in files)
        {
            File.WriteAllBytes(Path.Combine(dir, name), content);
        }
        return dir;
    }

    /// <summary>The record of <paramref name="objectName"/> of <paramref name="host"/>, checked and decoded; null when there is none.</summary>
    private async Task<(RecordHeader Header, string Text)?> Record(int db, string objectName, string host = Host)
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address);
        var value = (byte[]?)await mux.GetDatabase(db).StringGetAsync(ObjectKey.Make(host, objectName));
        if (value is null)
        {
            return null;
        }
        using var decoder = new RecordDecoder();
        Assert.True(decoder.TryDecode(value, out var header, out var content, out var error), error);
        return (header, Encoding.UTF8.GetString(content));
    }

    private async Task<List<string>> Keys(int db)
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address);
        return [.. mux.GetServer(redis.Address).Keys(db, "*#*").Select(k => k.ToString()).Where(k => !k.StartsWith('#')).Order(StringComparer.Ordinal)];
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public async Task Command_outputs_are_cmd_objects_with_exit_codes_and_stderr_in_one_status_object()
    {
        string[] commands = ["--command", "uname-a=echo Linux web01", "--command", "fails=echo out; echo 'bad thing' >&2; echo second >&2; exit 3"];
        var (exit, stdout, stderr) = await Push(2, commands);
        Assert.True(exit == 0, stdout + stderr);
        Assert.Equal($"{redis.Address}/2: ok, 3 written, 0 unchanged (expiry refreshed), 0 with a dictionary\n", stdout);
        Assert.Equal("sysops-fast: command 'fails' exited with status 3: bad thing\n", stderr);
        Assert.Equal("Linux web01\n", (await Record(2, "cmd/uname-a"))!.Value.Text);
        Assert.Equal("out\n", (await Record(2, "cmd/fails"))!.Value.Text);
        Assert.Equal("fails.exit = 3\nfails.stderr = bad thing\\nsecond\nuname-a.exit = 0\n", (await Record(2, CommandStatusObject.ObjectName))!.Value.Text);

        // Nothing changed: the status object too is only refreshed.
        (exit, stdout, _) = await Push(2, commands);
        Assert.Equal(0, exit);
        Assert.Contains("0 written, 3 unchanged", stdout, StringComparison.Ordinal);

        // The status object reads as key = value: which commands fail where.
        var kv = await CliProcessTests.Run("kv", CommandStatusObject.ObjectName, "*.exit", "--server", Url(2));
        Assert.Equal(0, kv.Exit);
        Assert.Equal("fails.exit\n      1 3\n\nuname-a.exit\n      1 0\n", kv.Stdout);
    }

    [Fact]
    public async Task A_command_that_times_out_is_killed_with_all_it_started_and_its_last_record_stays()
    {
        var (exit, _, stderr) = await Push(3, "--command", "slow=echo good");
        Assert.True(exit == 0, stderr);
        var good = (await Record(3, "cmd/slow"))!.Value;

        var pids = Path.Combine(_work, "slow.pids");
        var (exit2, stdout, stderr2) = await Push(3, "--command-timeout", "1s", "--command", $"slow=echo partial; echo $$ > {pids}; sleep 300 & echo $! >> {pids}; sleep 300; echo never");
        Assert.True(exit2 == 0, stdout + stderr2);
        Assert.Equal("sysops-fast: command 'slow' timed out after 1 s and was killed with everything it started; cmd/slow keeps what was pushed before\n", stderr2);
        var kept = (await Record(3, "cmd/slow"))!.Value;
        Assert.Equal(("good\n", good.Header.InsertedUnixMs), (kept.Text, kept.Header.InsertedUnixMs));
        Assert.Equal("slow.exit = timeout after 1 s\n", (await Record(3, CommandStatusObject.ObjectName))!.Value.Text);

        // The shell and the sleep it left in the background are gone (the whole process group).
        var started = (await File.ReadAllLinesAsync(pids)).Select(int.Parse).ToArray();
        Assert.Equal(2, started.Length);
        Assert.All(started, pid => Assert.False(Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal), $"process {pid} survived the timeout"));
    }

    /// <summary>
    /// A command that leaves its process group (setsid), or its parent too (a double fork, as a daemon
    /// does), is still something it started: nothing of it outlives its timeout.
    /// </summary>
    [Fact]
    public async Task A_command_that_escapes_its_process_group_is_still_killed_at_its_timeout()
    {
        // A unique sleep length marks each escaped process's argv (GNU sleep takes fractions).
        var marker = $"{Random.Shared.Next(100000, 999999)}";
        var run = $"setsid sleep 1000.{marker} & (setsid sleep 1001.{marker} > /dev/null 2>&1 &); sleep 1002.{marker}";
        var result = await CommandRunner.RunAsync(new CommandSpec("escapes", run, TimeSpan.FromSeconds(1)), 1 << 20, CancellationToken.None);
        Assert.True(result.TimedOut);
        Assert.Empty(ProcessesNaming(marker));
    }

    /// <summary>Live processes whose command line holds <paramref name="text"/> (a zombie's is empty).</summary>
    private static List<string> ProcessesNaming(string text)
    {
        var found = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
        {
            try
            {
                var argv = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (argv.Contains(text, StringComparison.Ordinal))
                {
                    found.Add($"{Path.GetFileName(dir)}: {argv}");
                }
            }
            catch (IOException)
            {
                // It ended while read.
            }
        }
        return found;
    }

    [Fact]
    public async Task Commands_run_at_most_four_at_once()
    {
        var log = Directory.CreateDirectory(Path.Combine(_work, "overlap")).FullName;
        var commands = Enumerable.Range(0, 10).Select(i => new CommandSpec($"c{i}", $"date +%s%N > {log}/{i}.start; sleep 0.4; date +%s%N > {log}/{i}.end", TimeSpan.FromSeconds(30))).ToList();
        var results = await CommandRunner.RunAllAsync(commands, 1 << 20, CancellationToken.None);
        Assert.All(results, r => Assert.Equal(0, r.ExitCode));
        Assert.Equal(commands.Select(c => c.Name), results.Select(r => r.Command.Name));
        var events = Enumerable.Range(0, 10)
            .SelectMany(i => new[] { (At: long.Parse(File.ReadAllText($"{log}/{i}.start")), Step: 1), (At: long.Parse(File.ReadAllText($"{log}/{i}.end")), Step: -1) })
            .OrderBy(e => e.At).ThenBy(e => e.Step);
        var running = 0;
        var most = 0;
        foreach (var e in events)
        {
            running += e.Step;
            most = Math.Max(most, running);
        }
        Assert.InRange(most, 2, CommandRunner.DefaultConcurrency);
    }

    [Fact]
    public async Task Objects_over_the_cap_are_records_that_say_so()
    {
        var big = QueryFleet.RandomText(3 << 20, 5);
        var dir = Outgoing(("big", big), ("small", "fits\n"u8.ToArray()));
        var (exit, stdout, stderr) = await Push(4, "--dir", dir, "--max-object-size", "1MiB", "--command", "huge=head -c 2097152 /dev/zero | tr '\\0' x");
        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains("'cmd/big' is 3145728 bytes, over the 1048576 byte cap: pushed as a record that says so, without its contents", stderr, StringComparison.Ordinal);
        Assert.Contains("'cmd/huge' is 2097152 bytes, over the 1048576 byte cap", stderr, StringComparison.Ordinal);

        var stored = (await Record(4, "cmd/big"))!.Value;
        Assert.Equal((RecordFlags.Omitted, big.LongLength, RecordEncoder.Md5Of(big), ""), (stored.Header.Flags, stored.Header.RawLength, stored.Header.Md5, stored.Text));
        Assert.Equal(RecordEncoder.Count(big), (stored.Header.Characters, stored.Header.Lines, stored.Header.Words));
        var huge = (await Record(4, "cmd/huge"))!.Value.Header;
        Assert.Equal((RecordFlags.Omitted, 2097152L, RecordEncoder.Md5Of(Enumerable.Repeat((byte)'x', 2097152).ToArray())), (huge.Flags, huge.RawLength, huge.Md5));
        Assert.Equal((RecordFlags.None, "fits\n"), ((await Record(4, "cmd/small"))!.Value.Header.Flags, (await Record(4, "cmd/small"))!.Value.Text));

        // Unchanged, an object over the cap is only refreshed like any other (its md5 is the contents').
        (exit, stdout, _) = await Push(4, "--dir", dir, "--max-object-size", "1MiB", "--command", "huge=head -c 2097152 /dev/zero | tr '\\0' x");
        Assert.Equal(0, exit);
        Assert.Contains("0 written, 4 unchanged", stdout, StringComparison.Ordinal);

        // A larger cap stores what was omitted, through the ledger and through the header alike;
        // back under the smaller cap, the object is omitted again.
        (exit, stdout, _) = await Push(4, "--dir", dir, "--max-object-size", "4MiB", "--command", "huge=head -c 2097152 /dev/zero | tr '\\0' x");
        Assert.Equal(0, exit);
        Assert.Contains("2 written, 2 unchanged", stdout, StringComparison.Ordinal);
        Assert.Equal((RecordFlags.None, big.LongLength), ((await Record(4, "cmd/big"))!.Value.Header.Flags, (long)(await Record(4, "cmd/big"))!.Value.Text.Length));
        File.Delete(Ledger);
        (exit, stdout, _) = await Push(4, "--dir", dir, "--max-object-size", "1MiB", "--command", "huge=head -c 2097152 /dev/zero | tr '\\0' x");
        Assert.Equal(0, exit);
        Assert.Contains("2 written, 2 unchanged", stdout, StringComparison.Ordinal);
        Assert.Equal(RecordFlags.Omitted, (await Record(4, "cmd/big"))!.Value.Header.Flags);
    }

    /// <summary>
    /// A 256 MiB file (sparse: no disk needed) is hashed and counted, never held: the push stays far
    /// below the file's size in memory, and readers see an object over the cap, not a damaged record
    /// (its length is past the 128 MiB a reader would decode).
    /// </summary>
    [Fact]
    public async Task A_file_far_over_the_cap_is_never_read_into_memory()
    {
        var dir = Outgoing();
        using (var file = File.Create(Path.Combine(dir, "huge")))
        {
            file.SetLength(256L << 20);
        }
        var run = await MeasuredCli.RunAsync(PushArgs(Url(5), Ledger, "--dir", dir));
        Assert.True(run.Exit == 0, run.ToString());
        Assert.True(run.PeakRssKb < 150 * 1024, run.ToString());
        Assert.Equal(256L << 20, (await Record(5, "cmd/huge"))!.Value.Header.RawLength);

        var grep = await CliProcessTests.Run("grep", "cmd/huge", "x", "--server", Url(5));
        Assert.Equal(1, grep.Exit);
        Assert.Equal($"sysops-fast: 1 object(s) too large to store were not searched: first {Host}#cmd/huge\n", grep.Stderr);
    }

    [Fact]
    public async Task The_hardware_identification_file_gives_command_outputs_and_a_command_of_the_same_name_wins()
    {
        var file = Path.Combine(_work, "hardware_identification.json");
        await File.WriteAllTextAsync(file, """{"lldp-xml": "<lldp/>\n", "sysctl-a": "net.x = 0\n"}""");
        var (exit, stdout, stderr) = await Push(6, "--hardware-identification", file, "--command", "sysctl-a=echo net.x = 1");
        Assert.True(exit == 0, stdout + stderr);
        Assert.Equal("sysops-fast: 'cmd/sysctl-a' is given twice: the output of 'echo net.x = 1' is pushed\n", stderr);
        Assert.Equal("<lldp/>\n", (await Record(6, "cmd/lldp-xml"))!.Value.Text);
        Assert.Equal("net.x = 1\n", (await Record(6, "cmd/sysctl-a"))!.Value.Text);
    }

    [Theory]
    [InlineData("{\"lldp-xml\": \"<lldp/>\"", "not valid JSON")]
    [InlineData("[\"a\"]", "it is not a JSON object")]
    [InlineData("{\"a\": 1}", "the output of 'a' is not a string")]
    [InlineData("{\"../a\": \"x\"}", "'../a' cannot name a command output")]
    public async Task A_bad_hardware_identification_file_is_one_line_naming_it_and_nothing_is_written(string json, string why)
    {
        var file = Path.Combine(_work, "bad.json");
        await File.WriteAllTextAsync(file, json);
        var (exit, stdout, stderr) = await Push(7, "--hardware-identification", file);
        Assert.Equal(2, exit);
        var line = Assert.Single(Lines(stderr));
        Assert.StartsWith($"sysops-fast: cannot read command outputs from '{file}': {why}", line, StringComparison.Ordinal);
        Assert.Equal("", stdout);
        Assert.Empty(await Keys(7));
        Assert.False(File.Exists(Ledger));
    }

    [Fact]
    public async Task Agent_toml_configures_the_push_and_the_command_line_overrides_it()
    {
        var dir = Directory.CreateDirectory(Path.Combine(_work, "etc")).FullName;
        Directory.CreateDirectory(Path.Combine(dir, "outgoing"));
        await File.WriteAllTextAsync(Path.Combine(dir, "outgoing", "x.secret"), "hunter2\n");
        await File.WriteAllTextAsync(Path.Combine(dir, "outgoing", "server.key"), "not a key, says this site\n");
        await File.WriteAllTextAsync(Path.Combine(dir, "outgoing", "big"), new string('b', 2000));
        var config = Path.Combine(dir, "agent.toml");
        await File.WriteAllTextAsync(config, $"""
            servers = ["{Url(8)}"]
            hostname = "web01.example.com"
            directory = "outgoing"
            ledger = "state/pushed.json"
            ttl = "1h"
            max_object_size = "1KiB"
            hardware_identification = ""
            sensitive = ["*.secret"]
            colour = "blue"
            [commands.uname-a]
            run = "echo from the file"
            [commands.date]
            run = "echo 2026"
            timeout = "5s"
            """);
        File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        var (exit, stdout, stderr) = await CliProcessTests.Run("push", "--config", config, "--command", "uname-a=echo from the command line");
        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains($"sysops-fast: warning: {config}:9: unknown key 'colour' ignored", stderr, StringComparison.Ordinal);
        Assert.Contains("sysops-fast: not pushed: 'cmd/x.secret' looks like a secret (deny-list: *.secret)", stderr, StringComparison.Ordinal);
        Assert.Equal(["web01.example.com#agent/command-status", "web01.example.com#cmd/big", "web01.example.com#cmd/date", "web01.example.com#cmd/server.key", "web01.example.com#cmd/uname-a"], await Keys(8));
        Assert.Equal("from the command line\n", (await Record(8, "cmd/uname-a", "web01.example.com"))!.Value.Text);
        Assert.Equal(RecordFlags.Omitted, (await Record(8, "cmd/big", "web01.example.com"))!.Value.Header.Flags);
        Assert.True(File.Exists(Path.Combine(dir, "state", "pushed.json")));
        Assert.True(File.Exists(Path.Combine(dir, "state", PushSettings.LockFileName)));
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address))
        {
            Assert.InRange((await mux.GetDatabase(8).KeyTimeToLiveAsync("web01.example.com#cmd/date"))!.Value, TimeSpan.FromMinutes(50), TimeSpan.FromHours(1));
        }

        (exit, _, stderr) = await CliProcessTests.Run("push", "--config", config, "--hostname", "web02.example.com");
        Assert.True(exit == 0, stderr);
        Assert.Equal("from the file\n", (await Record(8, "cmd/uname-a", "web02.example.com"))!.Value.Text);
    }

    [Fact]
    public async Task A_bad_value_in_agent_toml_is_one_line_naming_file_line_and_key()
    {
        var config = Path.Combine(_work, "bad.toml");
        await File.WriteAllTextAsync(config, "hostname = \"h.example.org\"\n\nttl = \"6y\"\n");
        File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var (exit, _, stderr) = await CliProcessTests.Run("push", "--config", config);
        Assert.Equal(2, exit);
        Assert.Equal($"sysops-fast: {config}:3: ttl: '6y' has an unknown unit; use s, m, h, d or w\n", stderr);
    }

    /// <summary>
    /// Both servers are down (one refuses, one accepts and never answers): the push ends after the
    /// short connect timeout, not the 30 s per-server timeout, one line per server, and nothing was
    /// run or written (no ledger; only the lock file in the state directory).
    /// </summary>
    [Fact]
    public async Task When_every_server_is_down_the_push_stops_at_once_having_run_and_written_nothing()
    {
        await using var hung = await RedisProcess.StartAsync();
        hung.Pause();
        try
        {
            var dead = $"127.0.0.1:{RedisServerFixture.FreePort()}";
            var mark = Path.Combine(_work, "ran");
            var clock = Stopwatch.StartNew();
            // The product's 3 s connect deadline, which the other tests lengthen (LoadedMachineSettings).
            var (exit, stdout, stderr) = await CliProcessTests.RunWithEnvironment(new Dictionary<string, string?> { ["SYSOPS_FAST_CONNECT_TIMEOUT"] = "3" }, "push", "--hostname", Host, "--ledger", Ledger, "--hardware-identification", "", "--timeout", "30s",
                "--server", dead, "--server", hung.Address, "--command", $"mark=touch {mark}");
            var elapsed = clock.Elapsed;
            Assert.Equal(2, exit);
            Assert.True(elapsed < TimeSpan.FromSeconds(15), $"took {elapsed.TotalSeconds:F1} s");
            Assert.Equal(2, Lines(stdout).Count(l => l.Contains(": FAILED: ", StringComparison.Ordinal)));
            Assert.Contains($"{dead}: FAILED: ", stdout, StringComparison.Ordinal);
            Assert.Equal("sysops-fast: no server answered: nothing was pushed, no command run, the ledger left as it was\n", stderr);
            Assert.False(File.Exists(mark), "a command ran");
            Assert.Equal([PushSettings.LockFileName], Directory.GetFiles(Path.GetDirectoryName(Ledger)!).Select(Path.GetFileName));
        }
        finally
        {
            hung.Resume();
        }
    }

    /// <summary>A run started while another holds the lock stops at once naming it; the kernel frees the lock when its holder dies.</summary>
    [Fact]
    public async Task A_second_push_stops_while_one_runs_and_the_lock_dies_with_its_holder()
    {
        using var first = StartPush(9, "--jitter", "1000d");
        try
        {
            await WaitForLockAsync(first);
            var (exit, stdout, stderr) = await Push(9);
            Assert.Equal(2, exit);
            Assert.Equal("", stdout);
            var line = Assert.Single(Lines(stderr));
            Assert.StartsWith($"sysops-fast: another push is running (pid {first.Id}, started ", line, StringComparison.Ordinal);
            Assert.EndsWith($"it holds '{Path.Combine(_work, "state", PushSettings.LockFileName)}'); this one stops so that they do not overlap", line, StringComparison.Ordinal);
        }
        finally
        {
            first.Kill();
            await first.WaitForExitAsync();
        }
        var (exit2, stdout2, stderr2) = await Push(9, "--command", "x=echo x");
        Assert.True(exit2 == 0, stdout2 + stderr2);
    }

    [Fact]
    public async Task Ctrl_C_ends_the_jitter_wait_at_once_and_nothing_is_pushed()
    {
        using var push = StartPush(10, "--jitter", "1000d", "--command", "x=echo x");
        await WaitForLockAsync(push);
        var clock = Stopwatch.StartNew();
        using (var kill = Process.Start("kill", ["-INT", push.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await push.WaitForExitAsync(patience.Token);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(130, push.ExitCode);
        Assert.Contains("interrupted", await push.StandardError.ReadToEndAsync(), StringComparison.Ordinal);
        Assert.Empty(await Keys(10));
    }

    private Process StartPush(int db, params string[] args)
    {
        var start = InterruptibleCommand.Start(["dotnet", Path.Combine(AppContext.BaseDirectory, "sysops-fast.dll"), .. PushArgs(Url(db), Ledger, args)]);
        start.RedirectStandardOutput = start.RedirectStandardError = true;
        start.UseShellExecute = false;
        return Process.Start(start)!;
    }

    /// <summary>Until the run has taken the lock (and so waits its jitter): the lock file names it.</summary>
    private async Task WaitForLockAsync(Process push)
    {
        var lockFile = Path.Combine(_work, "state", PushSettings.LockFileName);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && !push.HasExited)
        {
            if (ReadHolder(lockFile).StartsWith($"pid {push.Id},", StringComparison.Ordinal))
            {
                return;
            }
            await Task.Delay(50);
        }
        Assert.Fail($"the push did not take the lock (exited: {push.HasExited})");
    }

    /// <summary>The lock file's text through cat: .NET's own open would ask for a lock the holder refuses.</summary>
    private static string ReadHolder(string lockFile)
    {
        using var cat = Process.Start(new ProcessStartInfo("cat", [lockFile]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var text = cat.StandardOutput.ReadToEnd();
        cat.WaitForExit();
        return text;
    }
}
