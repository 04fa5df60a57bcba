using System.CommandLine;
using SysopsFast.Cli;
using SysopsFast.Cli.Commands;

// Program.cs only wires commands; each command's handler is testable on its own.
Console.SetError(CommonOptions.OpenStandardError());
var root = new RootCommand("sysops-fast: ask questions about every machine of a fleet, answered from Redis in about a second")
{
    CommonOptions.Verbose,
    GrepCommand.Build(),
    SearchCommand.Build(),
    ListFilesCommand.Build(),
    CompareCommand.Build(),
    CompareCommand.BuildAll(),
    InfoCommand.Build(),
    TopologyCommand.Build(),
    FleetCommand.Build(),
    ImportCommand.Build(),
    MigrateCommand.Build(),
    KvCommand.Build(),
    VerifyCommand.Build(),
    DumpCommand.Build(),
    PushCommand.Build(),
    ServerCommand.Build(),
    DemoCommand.Build(),
    AclCommand.Build(),
    AuditCommand.Build(),
};
root.Add(ExtractCommand.Build(root));
root.Add(CompletionCommand.Build(root));
HelpExamples.AddTo(root, args);
var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    // Usage errors exit 2, like grep's, with the first problem on one line.
    var message = string.Join(' ', parse.Errors[0].Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    Console.Error.WriteLine($"sysops-fast: {message} (see sysops-fast --help)");
    return CliRunner.Error;
}
return await parse.InvokeAsync();
