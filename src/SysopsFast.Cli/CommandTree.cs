using System.CommandLine;
using System.CommandLine.Help;
using SysopsFast.Cli.Commands;

namespace SysopsFast.Cli;

/// <summary>Every command and option of <c>sysops-fast</c>, built once here (Program runs it; tests parse with it).</summary>
internal static class CommandTree
{
    public static RootCommand Build()
    {
        var root = new RootCommand("sysops-fast: ask questions about every machine of a fleet, answered from Redis in about a second")
        {
            CommonOptions.Verbose,
            GrepCommand.Build(),
            SearchCommand.Build(),
            ListFilesCommand.Build(),
            CompareCommand.Build(),
            CompareCommand.BuildAll(),
            HistoryCommand.Build(),
            InfoCommand.Build(),
            TopologyCommand.Build(),
            FleetCommand.Build(),
            ImportCommand.Build(),
            MigrateCommand.Build(),
            KvCommand.Build(),
            VerifyCommand.Build(),
            DumpCommand.Build(),
            PushCommand.Build(),
            DictCommand.Build(),
            CatalogCommand.Build(),
            ServerCommand.Build(),
            DemoCommand.Build(),
            AclCommand.Build(),
            AuditCommand.Build(),
            ServeCommand.Build(),
        };
        root.Add(ExtractCommand.Build(root));
        root.Add(CompletionCommand.Build(root));
        ValueRules.AddTo(root);
        return root;
    }

    /// <summary>
    /// Help lines as wide as the terminal (<paramref name="columns"/>; null: not one, no wrapping).
    /// Set here because the parser would ask Console.WindowWidth, which switches a terminal's keypad mode.
    /// </summary>
    public static void FitHelpTo(Command root, int? columns)
    {
        foreach (var help in root.Options.OfType<HelpOption>())
        {
            if (help.Action is HelpAction action)
            {
                action.MaxWidth = columns ?? int.MaxValue;
                help.Action = new HelpCommandList(action);
            }
        }
    }

    /// <summary><c>sysops-fast</c> alone: the list of commands on <paramref name="output"/>, exit 2 (no command is a usage error).</summary>
    public static int PrintHelp(Command root, TextWriter output)
    {
        Parse(root, ["--help"]).Invoke(new InvocationConfiguration { Output = output });
        return CliRunner.Error;
    }

    /// <summary>
    /// Parses as every command line is parsed. No response files: a word starting with '@' is a
    /// word (a grep pattern such as '@example.com'), never a file to read arguments from.
    /// </summary>
    public static ParseResult Parse(Command root, IReadOnlyList<string> args) =>
        root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
}
