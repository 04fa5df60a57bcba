using System.CommandLine;
using System.CommandLine.Completions;
using System.Globalization;
using System.Text;

namespace SysopsFast.Cli.Commands;

/// <summary>
/// <c>completion bash|zsh</c>: prints a completion script generated from the live command tree
/// (commands, options with their aliases, fixed values), so a new command or option is completed
/// without touching this file. The script never runs sysops-fast nor asks Redis anything.
/// </summary>
internal static class CompletionCommand
{
    /// <summary>The <c>HelpName</c> that marks a value as a file name: completed with file names.</summary>
    public const string FileValue = "FILE";

    /// <summary>The <c>HelpName</c> that marks a value as a directory: completed with directory names.</summary>
    public const string DirectoryValue = "DIR";

    private const string Program = "sysops-fast";

    public static Command Build(RootCommand root)
    {
        var shell = new Argument<string>("shell") { Description = "The shell the script is for" };
        shell.CompletionSources.Add("bash", "zsh");
        // Not AcceptOnlyFromAmong: its message spans several lines, and usage errors are one line.
        shell.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (value is not ("bash" or "zsh"))
            {
                result.AddError($"unknown shell '{value}': completion scripts exist for bash and zsh");
            }
        });
        var command = new Command("completion", "Print a completion script for bash or zsh (generated from these commands; it reads nothing from Redis)") { shell };
        command.SetAction((parse, ct) => CliRunner.RunAsync(async () =>
        {
            var tree = Walk(root, "", []).ToList();
            await Console.Out.WriteAsync(parse.GetValue(shell) == "zsh" ? Zsh(tree) : Bash(tree));
            await Console.Out.FlushAsync(ct);
            return CliRunner.Matched;
        }, Console.Error, parse.GetValue(CommonOptions.Verbose)));
        return command;
    }

    /// <summary>How the word after an option, or a positional word, is completed.</summary>
    private enum ValueKind
    {
        Flag,
        Words,
        File,
        Directory,
        Default,
    }

    private sealed record Value(ValueKind Kind, string Name, string[] Words);

    private sealed record Node(string Path, Command Command, IReadOnlyList<Option> Options)
    {
        public IEnumerable<Command> Subcommands => Command.Subcommands.Where(c => !c.Hidden);
    }

    /// <summary>Every visible command with its options, ancestors' recursive options (--verbose, --help) included.</summary>
    private static IEnumerable<Node> Walk(Command command, string path, IReadOnlyList<Option> inherited)
    {
        var own = command.Options.Where(o => !o.Hidden).ToList();
        var options = own.Concat(inherited.Where(i => !own.Contains(i))).ToList();
        yield return new Node(path, command, options);
        var passed = options.Where(o => o.Recursive).ToList();
        foreach (var sub in command.Subcommands.Where(c => !c.Hidden))
        {
            foreach (var node in Walk(sub, JoinPath(path, sub.Name), passed))
            {
                yield return node;
            }
        }
    }

    /// <summary>Option names as typed: --help's '-?' and '/?' are left out ('?' is a glob character).</summary>
    private static IEnumerable<string> Names(Option option) =>
        new[] { option.Name }.Concat(option.Aliases).Where(n => n.Length > 1 && n[0] == '-' && n[^1] != '?').Distinct(StringComparer.Ordinal);

    private static IEnumerable<string> Names(Command command) => new[] { command.Name }.Concat(command.Aliases);

    private static Value ValueOf(Option option) =>
        WordsTaken(option) == 0
            ? new Value(ValueKind.Flag, "", [])
            : Classify(option.HelpName, option.Name.TrimStart('-'), option.GetCompletions(CompletionContext.Empty));

    /// <summary>The words after the option that are its values: two for --having OBJECT TEXT, one usually, none for a flag.</summary>
    private static int WordsTaken(Option option) =>
        option.Arity.MaximumNumberOfValues == 0 || option.ValueType == typeof(bool) ? 0
        : option.AllowMultipleArgumentsPerToken && option.Arity.MinimumNumberOfValues > 1 ? option.Arity.MinimumNumberOfValues
        : 1;

    private static bool Repeatable(Option option) => option.ValueType.IsArray || option.Arity.MaximumNumberOfValues > 1;

    private static Value ValueOf(Argument argument) =>
        Classify(argument.HelpName, argument.Name, argument.GetCompletions(CompletionContext.Empty));

    private static Value Classify(string? helpName, string name, IEnumerable<CompletionItem> completions)
    {
        // Choices (ChoiceOption) complete in the lower-case spelling the docs use.
        var words = completions.Select(c => c.Label).ToArray();
        return helpName switch
        {
            FileValue => new Value(ValueKind.File, helpName, []),
            DirectoryValue => new Value(ValueKind.Directory, helpName, []),
            _ when words.Length > 0 => new Value(ValueKind.Words, helpName ?? name, words),
            _ => new Value(ValueKind.Default, helpName ?? name, []),
        };
    }

    /// <summary>Each argument with the positions (0-based among positional words) it takes; null: all from there on.</summary>
    private static IEnumerable<(Argument Argument, int First, int? Last)> Positions(Command command)
    {
        var first = 0;
        foreach (var argument in command.Arguments)
        {
            var max = argument.Arity.MaximumNumberOfValues;
            var unbounded = max >= 1000; // ZeroOrMore/OneOrMore are "many", not a count
            yield return (argument, first, unbounded ? null : first + max - 1);
            if (unbounded)
            {
                yield break;
            }
            first += max;
        }
    }

    /// <summary>A shell word in single quotes (the same rule in bash and zsh).</summary>
    private static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string Bash(IReadOnlyList<Node> tree)
    {
        var s = new StringBuilder();
        s.Append(CultureInfo.InvariantCulture, $$"""
            # bash completion for {{Program}}, generated by `{{Program}} completion bash` from its commands.
            # Install: {{Program}} completion bash > /etc/bash_completion.d/{{Program}}  (or source it from ~/.bashrc)

            # Adds to COMPREPLY each of the words after $1 that starts with $1.
            __sysops_fast_add() {
                local cur=$1 w
                shift
                for w in "$@"; do
                    [[ $w == "$cur"* ]] && COMPREPLY+=("$w")
                done
            }

            # Adds the names of files (-f) or directories (-d) that start with $2.
            __sysops_fast_paths() {
                local w
                compopt -o filenames 2>/dev/null
                while IFS= read -r w; do
                    COMPREPLY+=("$w")
                done < <(compgen "$1" -- "$2")
            }

            # Succeeds when word $2 names a subcommand of command $1 ("" is {{Program}} itself).
            __sysops_fast_is_command() {
                case "$1:$2" in

            """);
        foreach (var node in tree)
        {
            var subs = node.Subcommands.SelectMany(Names).Select(n => Quote(node.Path + ":" + n)).ToList();
            if (subs.Count > 0)
            {
                s.Append(CultureInfo.InvariantCulture, $"        {string.Join('|', subs)}) return 0 ;;\n");
            }
        }
        s.Append("""
                esac
                return 1
            }

            # Returns how many words after option $2 of command $1 are its values (0: a flag).
            __sysops_fast_values() {
                case "$1:$2" in

            """);
        foreach (var node in tree)
        {
            foreach (var group in node.Options.GroupBy(WordsTaken).Where(g => g.Key > 0).OrderBy(g => g.Key))
            {
                s.Append(CultureInfo.InvariantCulture, $"        {string.Join('|', group.SelectMany(Names).Select(n => Quote(node.Path + ":" + n)))}) return {group.Key} ;;\n");
            }
        }
        s.Append("""
                esac
                return 0
            }

            # Completes $3 as the value of option $2 of command $1.
            __sysops_fast_option_value() {
                case "$1:$2" in

            """);
        foreach (var node in tree)
        {
            foreach (var option in node.Options)
            {
                var action = BashAction(ValueOf(option), "$3");
                if (action is not null)
                {
                    s.Append(CultureInfo.InvariantCulture, $"        {string.Join('|', Names(option).Select(n => Quote(node.Path + ":" + n)))}) {action} ;;\n");
                }
            }
        }
        s.Append("""
                esac
            }

            # Completes $3 as positional word $2 (0-based, options left out) of command $1.
            __sysops_fast_argument() {
                case $1 in

            """);
        foreach (var node in tree)
        {
            var tests = Positions(node.Command)
                .Select(p => (p, Action: BashAction(ValueOf(p.Argument), "$3")))
                .Where(p => p.Action is not null)
                .Select(p => p.p.Last is int last
                    ? (last == p.p.First ? $"(($2 == {last}))" : $"(($2 >= {p.p.First} && $2 <= {last}))") + $" && {{ {p.Action}; return; }}"
                    : $"(($2 >= {p.p.First})) && {{ {p.Action}; return; }}")
                .ToList();
            if (tests.Count > 0)
            {
                s.Append(CultureInfo.InvariantCulture, $"        {Quote(node.Path)}) {string.Join("; ", tests)} ;;\n");
            }
        }
        s.Append(CultureInfo.InvariantCulture, $$"""
                esac
            }

            # Subcommands at the start, options after '-', known values of options and arguments; anything
            # else is left to readline's file names (complete -o default).
            _sysops_fast() {
                local cur=${COMP_WORDS[COMP_CWORD]} line=$COMP_LINE path="" index=0 option="" pending=0 ended="" word i
                local -a words=()
                COMPREPLY=()
                # Bash splits words at ':' and '=' too (COMP_WORDBREAKS); glue back what no blank
                # separates, so that redis://host:port and --opt=value are one word each.
                for ((i = 0; i <= COMP_CWORD; i++)); do
                    word=${COMP_WORDS[i]}
                    if ((i > 0)) && [[ $line != [[:blank:]]* ]]; then
                        words[${#words[@]} - 1]+=$word
                    else
                        words+=("$word")
                    fi
                    line=${line#"${line%%[![:blank:]]*}"}
                    line=${line#"$word"}
                done
                local last=${words[${#words[@]} - 1]}
                # Readline replaces only what follows the last ':' or '='.
                [[ $cur == [=:] ]] && cur=""
                for ((i = 1; i < ${#words[@]} - 1; i++)); do
                    word=${words[i]}
                    if ((pending > 0)); then
                        ((pending--))
                        continue
                    fi
                    # After "--" every word is positional: "1-x" matches no option pattern.
                    case $ended$word in
                        --) ended=1 ;;
                        -*=*) ;;
                        -*)
                            option=$word
                            __sysops_fast_values "$path" "$word"
                            pending=$?
                            ;;
                        *)
                            if ((index == 0)) && __sysops_fast_is_command "$path" "$word"; then
                                path=${path:+$path }$word
                            else
                                ((index++))
                            fi
                            ;;
                    esac
                done
                if [[ -z $ended && $last == -*=* ]]; then
                    __sysops_fast_option_value "$path" "${last%%=*}" "$cur"
                elif ((pending > 0)); then
                    __sysops_fast_option_value "$path" "$option" "$cur"
                elif [[ -z $ended && $cur == -* ]]; then
                    __sysops_fast_options "$path" "$cur"
                else
                    ((index == 0)) && __sysops_fast_commands "$path" "$cur"
                    __sysops_fast_argument "$path" "$index" "$cur"
                fi
                return 0
            }

            # The subcommands of command $1 that start with $2.
            __sysops_fast_commands() {
                case $1 in

            """);
        foreach (var node in tree)
        {
            var subs = node.Subcommands.SelectMany(Names).Select(Quote).ToList();
            if (subs.Count > 0)
            {
                s.Append(CultureInfo.InvariantCulture, $"        {Quote(node.Path)}) __sysops_fast_add \"$2\" {string.Join(' ', subs)} ;;\n");
            }
        }
        s.Append("""
                esac
            }

            # The options of command $1 that start with $2.
            __sysops_fast_options() {
                case $1 in

            """);
        foreach (var node in tree)
        {
            s.Append(CultureInfo.InvariantCulture, $"        {Quote(node.Path)}) __sysops_fast_add \"$2\" {string.Join(' ', node.Options.SelectMany(Names).Select(Quote))} ;;\n");
        }
        s.Append(CultureInfo.InvariantCulture, $$"""
                esac
            }

            complete -o default -F _sysops_fast {{Program}}

            """);
        return s.ToString();
    }

    /// <summary>The bash command completing <paramref name="word"/> as such a value; null leaves it to readline.</summary>
    private static string? BashAction(Value value, string word) => value.Kind switch
    {
        ValueKind.Words => $"__sysops_fast_add \"{word}\" {string.Join(' ', value.Words.Select(Quote))}",
        ValueKind.File => $"__sysops_fast_paths -f \"{word}\"",
        ValueKind.Directory => $"__sysops_fast_paths -d \"{word}\"",
        _ => null,
    };

    private static string Zsh(IReadOnlyList<Node> tree)
    {
        var s = new StringBuilder();
        s.Append(CultureInfo.InvariantCulture, $$"""
            #compdef {{Program}}
            # zsh completion for {{Program}}, generated by `{{Program}} completion zsh` from its commands.
            # Install: {{Program}} completion zsh > "${fpath[1]}/_{{Program}}"  (a directory of $fpath), then compinit.

            """);
        foreach (var node in tree)
        {
            var specs = node.Options.SelectMany(ZshOptionSpecs).ToList();
            var subs = node.Subcommands.ToList();
            if (subs.Count > 0)
            {
                // A command with subcommands takes no arguments of its own (none here does).
                specs.Add("'1: :->command'");
                specs.Add("'*:: :->argument'");
            }
            else
            {
                specs.AddRange(Positions(node.Command).Select(p => ZshArgumentSpec(p.Argument, p.First, p.Last)));
            }
            s.Append(CultureInfo.InvariantCulture, $"\n{ZshFunction(node.Path)}() {{\n");
            if (subs.Count > 0)
            {
                s.Append("    local curcontext=$curcontext state line\n    typeset -A opt_args\n");
                s.Append(CultureInfo.InvariantCulture, $"    _arguments -C -s \\\n        {string.Join(" \\\n        ", specs)}\n");
                s.Append("    case $state in\n        command)\n            local -a commands=(\n");
                foreach (var sub in subs)
                {
                    foreach (var name in Names(sub))
                    {
                        s.Append(CultureInfo.InvariantCulture, $"                {Quote(name.Replace(":", "\\:", StringComparison.Ordinal) + ":" + FirstLine(sub.Description))}\n");
                    }
                }
                s.Append("            )\n            _describe -t commands command commands\n            ;;\n        argument)\n            case $line[1] in\n");
                foreach (var sub in subs)
                {
                    s.Append(CultureInfo.InvariantCulture, $"                ({string.Join('|', Names(sub).Select(Quote))}) {ZshFunction(JoinPath(node.Path, sub.Name))} ;;\n");
                }
                s.Append("                (*) _default ;;\n            esac\n            ;;\n    esac\n}\n");
            }
            else
            {
                s.Append(CultureInfo.InvariantCulture, $"    _arguments -s \\\n        {string.Join(" \\\n        ", specs)}\n}}\n");
            }
        }
        s.Append(CultureInfo.InvariantCulture, $"""

            # Autoloaded from $fpath this file is the function's body; sourced, it registers the function.
            if [[ $funcstack[1] == _{Program} ]]; then
                _{Program} "$@"
            else
                compdef _{Program} {Program}
            fi

            """);
        return s.ToString();
    }

    private static string JoinPath(string path, string name) => path.Length == 0 ? name : path + " " + name;

    private static string ZshFunction(string path) => "_" + Program + (path.Length == 0 ? "" : "_" + path.Replace(' ', '_'));

    /// <summary>One _arguments spec per name of the option; a repeatable option may be given again.</summary>
    private static IEnumerable<string> ZshOptionSpecs(Option option)
    {
        var names = Names(option).ToList();
        var value = ValueOf(option);
        var prefix = Repeatable(option) ? "*" : names.Count > 1 ? "(" + string.Join(' ', names) + ")" : "";
        var help = "[" + ZshEscape(FirstLine(option.Description)) + "]";
        var values = string.Concat(Enumerable.Repeat(":" + ZshEscape(value.Name) + ":" + ZshAction(value), WordsTaken(option)));
        foreach (var name in names)
        {
            // "--name=" takes its value after '=' or as the next word, as System.CommandLine does.
            var equals = values.Length > 0 && name.StartsWith("--", StringComparison.Ordinal) ? "=" : "";
            yield return Quote(prefix + name + equals + help + values);
        }
    }

    private static string ZshArgumentSpec(Argument argument, int first, int? last)
    {
        var value = ValueOf(argument);
        // Only single positions get a number; a run of them (rare) is "the rest". ("*::" means something else.)
        var position = last is int l && l == first ? (first + 1).ToString(CultureInfo.InvariantCulture) : "*";
        var optional = argument.Arity.MinimumNumberOfValues == 0 && position != "*" ? "::" : ":";
        return Quote(position + optional + ZshEscape(value.Name) + ":" + ZshAction(value));
    }

    private static string ZshAction(Value value) => value.Kind switch
    {
        ValueKind.Words => "(" + string.Join(' ', value.Words.Select(w => ZshEscape(w).Replace(" ", "\\ ", StringComparison.Ordinal))) + ")",
        ValueKind.File => "_files",
        ValueKind.Directory => "_files -/",
        _ => "_default",
    };

    /// <summary>Escapes what _arguments reads as syntax inside a description or message.</summary>
    private static string ZshEscape(string text)
    {
        var s = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is '\\' or '[' or ']' or ':')
            {
                s.Append('\\');
            }
            s.Append(c);
        }
        return s.ToString();
    }

    private static string FirstLine(string? text) => (text ?? "").Split('\n')[0].Trim();
}
