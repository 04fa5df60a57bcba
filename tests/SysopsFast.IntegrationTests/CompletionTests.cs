using System.Text;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// `completion bash|zsh`: the printed scripts, run by the real shells. Bash's completion function is
/// called as readline calls it (COMP_WORDS, COMP_CWORD, COMP_LINE, COMP_POINT); zsh completes for
/// real, with compinit, in an interactive zsh on a pseudo-terminal (zsh/zpty).
/// </summary>
public sealed class CompletionTests(CompletionScripts scripts) : IClassFixture<CompletionScripts>
{
    private const char Separator = '\u001e';

    [Theory]
    [InlineData("sysops-fast gr", "grep", "search --uniq")]
    [InlineData("sysops-fast grep --uni", "--uniq", "grep --json --codec")]
    [InlineData("sysops-fast fleet ge", "generate", "grep")]
    [InlineData("sysops-fast fleet ", "generate", "grep --hosts")]
    [InlineData("sysops-fast grep -", "--uniq -i --ignore-case -s --server --show-hosts --scope --help -h --verbose", "--codec --only-drift --seed generate grep -? --original-layout")]
    [InlineData("sysops-fast fleet generate -", "--hosts --seed --codec --expected -s --verbose", "generate --uniq --version")]
    [InlineData("sysops-fast fleet generate --codec z", "zstd zstd-dictionary", "lz4 none --hosts")]
    [InlineData("sysops-fast fleet generate --codec=", "lz4 none zstd zstd-dictionary", "--hosts")]
    [InlineData("sysops-fast grep --color ", "never always auto", "--hosts")]
    [InlineData("sysops-fast grep --color=a", "always auto", "never")]
    [InlineData("sysops-fast import dir --codec=l", "lz4", "none zstd")]
    [InlineData("sysops-fast grep sysctl-a x --uniq --show-hosts ", "all", "--uniq")]
    [InlineData("sysops-fast kv sysctl-a --show-hosts a", "all", "")]
    [InlineData("sysops-fast info --scope ", "global local site", "--scope")]
    [InlineData("sysops-fast completion ", "bash zsh", "fish")]
    [InlineData("sysops-fast grep --having rpm-qa openssl --sc", "--scope --scan", "")] // --having takes two words
    [InlineData("sysops-fast fleet generate --server 127.0.0.1:6379 --c", "--codec", "")] // host:port is one word
    [InlineData("sysops-fast --verbose fleet generate --se", "--seed --server", "")]
    [InlineData("sysops-fast grep x -- -", "", "--uniq -i")] // after "--" no word is an option
    public async Task Bash_completes_commands_options_and_known_values(string line, string expected, string unexpected)
    {
        var reply = (await BashCompleteAsync(null, line))[0];
        foreach (var word in Words(expected))
        {
            Assert.Contains(word, reply);
        }
        foreach (var word in Words(unexpected))
        {
            Assert.DoesNotContain(word, reply);
        }
    }

    [Fact]
    public async Task Bash_offers_every_command_of_the_help_for_an_empty_word_and_every_option_of_each()
    {
        var commands = scripts.Commands;
        Assert.Contains("fleet generate", commands.Keys);
        var lines = new[] { "sysops-fast " }.Concat(commands.Keys.Select(c => $"sysops-fast {c} -")).ToArray();
        var replies = await BashCompleteAsync(null, lines);
        Assert.Equal(lines.Length, replies.Count);

        var top = commands.Keys.Where(c => !c.Contains(' ', StringComparison.Ordinal)).ToList();
        Assert.Equal(top.Order(StringComparer.Ordinal), replies[0].Order(StringComparer.Ordinal));
        foreach (var (command, reply) in commands.Keys.Zip(replies.Skip(1)))
        {
            Assert.Equal(commands[command].Order(StringComparer.Ordinal), reply.Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task Bash_completes_file_names_for_files_and_only_directories_for_directories()
    {
        var dir = Directory.CreateTempSubdirectory("sysops-fast-completion-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "fleet-tree"));
            await File.WriteAllTextAsync(Path.Combine(dir, "fleet-hosts.txt"), "web1\n");
            var replies = await BashCompleteAsync(dir,
                "sysops-fast dump fl",
                "sysops-fast import fl",
                "sysops-fast push --dir fl",
                "sysops-fast grep sysctl-a x --hosts fl",
                "sysops-fast topology --topology=fl",
                "sysops-fast fleet generate --expected fl");
            foreach (var directoryOnly in replies.Take(3))
            {
                Assert.Equal(["fleet-tree"], directoryOnly);
            }
            foreach (var files in replies.Skip(3))
            {
                Assert.Equal(["fleet-hosts.txt", "fleet-tree"], files.Order(StringComparer.Ordinal));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Bash_leaves_free_values_to_readline()
    {
        // Nothing is asked of Redis: object patterns, servers and counts get no words of ours
        // (complete -o default then offers file names).
        var replies = await BashCompleteAsync(null, "sysops-fast grep ", "sysops-fast grep sysctl-a x --server ", "sysops-fast fleet generate --hosts ");
        Assert.All(replies, Assert.Empty);
    }

    [Fact]
    public async Task Zsh_accepts_the_script_and_it_holds_every_command_and_option()
    {
        var script = scripts.Zsh;
        var (exit, _, stderr) = await CliProcessTests.RunProgram(Zsh(), null, "-n", script);
        Assert.True(exit == 0, stderr);

        var text = await File.ReadAllTextAsync(script);
        Assert.StartsWith("#compdef sysops-fast\n", text, StringComparison.Ordinal);
        foreach (var (command, options) in scripts.Commands)
        {
            var function = $"\n_sysops-fast_{command.Replace(' ', '_')}() {{\n";
            Assert.Contains(function, text, StringComparison.Ordinal);
            var body = text[text.IndexOf(function, StringComparison.Ordinal)..];
            body = body[..body.IndexOf("\n}\n", StringComparison.Ordinal)];
            foreach (var option in options)
            {
                Assert.Matches($@"'(\([^)]*\)|\*)?{System.Text.RegularExpressions.Regex.Escape(option)}=?\[", body);
            }
        }
    }

    [Fact]
    public async Task Zsh_completes_with_compinit()
    {
        var replies = await ZshCompleteAsync(
            "sysops-fast gr",
            "sysops-fast ",
            "sysops-fast grep --uni",
            "sysops-fast fleet ge",
            "sysops-fast grep -",
            "sysops-fast fleet generate --codec=z",
            "sysops-fast grep x y --show-hosts ",
            "sysops-fast completion ");
        Assert.Equal(["grep"], replies[0]);
        Assert.Equal(scripts.Commands.Keys.Where(c => !c.Contains(' ', StringComparison.Ordinal)).Order(StringComparer.Ordinal), replies[1].Order(StringComparer.Ordinal));
        Assert.Equal(["--uniq"], replies[2]);
        Assert.Equal(["generate"], replies[3]);
        Assert.Contains("--uniq", replies[4]);
        Assert.Contains("-i", replies[4]);
        Assert.Contains("--verbose", replies[4]);
        Assert.DoesNotContain("--codec", replies[4]);
        Assert.Equal(["zstd", "zstd-dictionary"], replies[5].Order(StringComparer.Ordinal));
        Assert.Equal(["all"], replies[6]);
        Assert.Equal(["bash", "zsh"], replies[7].Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task An_unknown_shell_is_one_line_and_exit_2()
    {
        var (exit, stdout, stderr) = await CliProcessTests.Run("completion", "fish");
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Equal("sysops-fast: unknown shell 'fish': completion scripts exist for bash and zsh (see sysops-fast completion --help)\n", stderr);
    }

    internal static string[] Words(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// Completes each line (cursor at its end) with the bash script's function, found through
    /// `complete -p`. COMP_WORDS are split as readline splits them: at blanks, and at ':' and '=',
    /// which are in COMP_WORDBREAKS.
    /// </summary>
    private async Task<List<string[]>> BashCompleteAsync(string? workingDirectory, params string[] lines)
    {
        const string driver = """
            source "$1" || exit 3
            shift
            spec=$(complete -p sysops-fast) || exit 4
            fn=${spec##*-F }
            fn=${fn%% *}
            while (($#)); do
                n=$1 COMP_LINE=$2
                shift 2
                COMP_WORDS=("${@:1:n}")
                shift "$n"
                COMP_CWORD=$((n - 1)) COMP_POINT=${#COMP_LINE}
                COMPREPLY=()
                "$fn" sysops-fast "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
                printf '%s\n' "${COMPREPLY[@]}"
                printf '\036\n'
            done
            """;
        List<string> args = ["--norc", "--noprofile", "-c", driver, "bash", scripts.Bash];
        foreach (var line in lines)
        {
            var words = ReadlineWords(line);
            args.AddRange([words.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), line, .. words]);
        }
        var (exit, stdout, stderr) = await CliProcessTests.RunProgram("bash", workingDirectory, [.. args]);
        Assert.True(exit == 0 && stderr.Length == 0, $"bash exited {exit}: {stderr}");
        return Records(stdout);
    }

    private static List<string> ReadlineWords(string line)
    {
        var words = new List<string>();
        foreach (var token in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var current = new StringBuilder();
            foreach (var c in token)
            {
                if (c is ':' or '=')
                {
                    if (current.Length > 0)
                    {
                        words.Add(current.ToString());
                    }
                    words.Add(c.ToString());
                    current.Clear();
                }
                else
                {
                    current.Append(c);
                }
            }
            if (current.Length > 0)
            {
                words.Add(current.ToString());
            }
        }
        if (line.EndsWith(' '))
        {
            words.Add("");
        }
        return words;
    }

    /// <summary>
    /// Types each line and a TAB into an interactive zsh (no startup files but ours: compinit with the
    /// script's directory in $fpath) and returns the candidates the completion functions offered, as
    /// logged by a compadd wrapper.
    /// </summary>
    private async Task<List<string[]>> ZshCompleteAsync(params string[] lines)
    {
        var dir = Path.GetDirectoryName(scripts.Zsh)!;
        var log = Path.Combine(dir, "offered");
        var rc = Path.Combine(dir, "rc.zsh");
        await File.WriteAllTextAsync(rc, $$"""
            PS1='zle> '
            unsetopt autolist beep # no listing, and so no "do you wish to see all N possibilities?"
            fpath=({{dir}} $fpath)
            autoload -Uz compinit && compinit -u -d {{dir}}/compdump
            # Logs the words each compadd offers; calls that only fill arrays (-O, -A, -D) are not offers.
            compadd() {
                local i
                for ((i = 1; i <= $#; i++)); do
                    case ${@[i]} in
                        (-|--) break ;;
                        (-*[OAD]*) builtin compadd "$@"; return ;;
                        (-*[PSpsiIWdJVXxrREFM]) ((i++)) ;;
                    esac
                done
                local -a offered
                builtin compadd -O offered "$@"
                print -rl -- $offered >> {{log}}
                builtin compadd "$@"
            }
            """);
        // Markers are typed split (DO""NE) so that only their output, not their echo, matches. A
        // line is typed only once the prompt is out: before, the terminal is not yet raw and its
        // line discipline would take the ^U.
        var driver = $$"""
            zmodload zsh/zpty
            zpty shell 'TERM=dumb zsh -f -i'
            zpty -w shell 'source {{rc}}'
            for line in "$@"; do
                zpty -w shell ': >{{log}}; print BE""GIN'
                zpty -r shell out '*BEGIN*zle> *'
                zpty -w -n shell "$line"$'\t'
                zpty -w -n shell $'\C-u'
                zpty -w shell 'print DO""NE'
                zpty -r shell out '*DONE*'
                print -r -- "$(<{{log}})"
                print $'\x1e'
            done
            zpty -d shell
            """;
        var (exit, stdout, stderr) = await CliProcessTests.RunProgram(Zsh(), dir, ["-f", "-c", driver, "zsh", .. lines]);
        Assert.True(exit == 0, $"zsh exited {exit}: {stderr}");
        return Records(stdout);
    }

    private static List<string[]> Records(string output) =>
        [.. output.Split(Separator + "\n").SkipLast(1).Select(r => r.Split('\n', StringSplitOptions.RemoveEmptyEntries))];

    private static string Zsh() =>
        new[] { "/usr/bin/zsh", "/bin/zsh", "/usr/local/bin/zsh" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("zsh is not installed; run ./test.sh, which installs Debian's zsh package");
}

/// <summary>Both scripts as printed by the CLI, in a directory of their own, and the commands and options the help lists.</summary>
public sealed class CompletionScripts : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("sysops-fast-completion-").FullName;

    public string Bash { get; private set; } = "";

    public string Zsh { get; private set; } = "";

    public Dictionary<string, List<string>> Commands { get; private set; } = [];

    public async Task InitializeAsync()
    {
        Bash = await ScriptFileAsync("bash", "sysops-fast.bash");
        Zsh = await ScriptFileAsync("zsh", "_sysops-fast");
        Commands = await CommandsAsync();
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    private async Task<string> ScriptFileAsync(string shell, string name)
    {
        var (exit, stdout, stderr) = await CliProcessTests.Run("completion", shell);
        Assert.True(exit == 0, stderr);
        var path = Path.Combine(_directory, name);
        await File.WriteAllTextAsync(path, stdout);
        return path;
    }

    /// <summary>
    /// Each command path ("grep", "fleet generate") with the option names its --help lists ('-?' aside:
    /// the scripts leave it out, '?' being a glob character). Read from the help, not from the code, so
    /// the scripts are checked against what a user is told.
    /// </summary>
    private static async Task<Dictionary<string, List<string>>> CommandsAsync()
    {
        var found = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var pending = new Queue<string>([""]);
        while (pending.TryDequeue(out var path))
        {
            var (exit, help, stderr) = await CliProcessTests.Run([.. CompletionTests.Words(path), "--help"]);
            Assert.True(exit == 0, stderr);
            var section = "";
            var options = new List<string>();
            foreach (var line in help.Split('\n'))
            {
                if (line.EndsWith(':') && !line.StartsWith(' '))
                {
                    section = line;
                }
                else if (line.StartsWith("  ", StringComparison.Ordinal) && line.Length > 2 && line[2] != ' ')
                {
                    var first = line[2..].Split("  ")[0];
                    if (section == "Options:")
                    {
                        options.AddRange(first.Split(", ").Select(n => n.Split(' ')[0]).Where(n => n != "-?"));
                    }
                    else if (section == "Commands:")
                    {
                        pending.Enqueue((path + " " + first.Split(' ')[0]).Trim());
                    }
                }
            }
            if (path.Length > 0)
            {
                found[path] = options;
            }
        }
        return found;
    }
}
