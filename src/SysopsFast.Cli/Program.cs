using SysopsFast.Cli;

// Program.cs only wires commands; each command's handler is testable on its own.
Console.SetError(CommonOptions.OpenStandardError());
var root = CommandTree.Build();
HelpExamples.AddTo(root, args);
var parse = CommandTree.Parse(root, args);
if (parse.Errors.Count > 0)
{
    // Usage errors exit 2, like grep's, with the first problem on one line.
    var message = string.Join(' ', parse.Errors[0].Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    Console.Error.WriteLine($"sysops-fast: {message} (see sysops-fast --help)");
    return CliRunner.Error;
}
TlsOptions.NarrowSystemStore(parse);
return await parse.InvokeAsync();
