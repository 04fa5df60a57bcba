using SysopsFast.Cli;

// Program.cs only wires commands; each command's handler is testable on its own.
CommonOptions.UseDescriptors();
var root = CommandTree.Build();
CommandTree.FitHelpTo(root, SysopsFast.Output.TerminalSize.Columns(1));
if (args.Length == 0)
{
    // No command: the list of commands, on standard error with exit 2, as GNU tools print their usage.
    return CommandTree.PrintHelp(root, Console.Error);
}
HelpExamples.AddTo(root, args);
var parse = CommandTree.Parse(root, args);
if (UsageError.Find(parse) is { } message)
{
    // Usage errors exit 2, like grep's, on one line.
    await Console.Error.WriteLineAsync(message);
    return CliRunner.Error;
}
TlsOptions.NarrowSystemStore(parse);
return await parse.InvokeAsync();
