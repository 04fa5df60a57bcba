using System.CommandLine;

namespace SysopsFast.Cli.Commands;

internal static class ServerCommand
{
    public static Command Build()
    {
        var port = new Option<int>("--port", "-p") { Description = "Port to listen on (127.0.0.1 only)", DefaultValueFactory = _ => 6379 };
        var memory = new Option<string>("--memory") { Description = "In-memory log size; it must hold the whole fleet", DefaultValueFactory = _ => "4g" };
        var command = new Command("server", "Run the embedded Redis-compatible server (Garnet) in the foreground until Ctrl-C") { port, memory };
        command.SetAction((parse, ct) => CliRunner.RunAsync(async () =>
        {
            await using var server = await EmbeddedServerProcess.StartAsync(parse.GetValue(port), parse.GetValue(memory)!, ct);
            await Console.Error.WriteLineAsync($"sysops-fast: embedded server listening on {server.Address}; Ctrl-C stops it");
            try
            {
                await server.WaitForExitAsync(ct);
            }
            catch (OperationCanceledException)
            {
            }
            await Console.Error.WriteLineAsync("sysops-fast: embedded server stopped");
            return CliRunner.Matched;
        }, Console.Error, parse.GetValue(CommonOptions.Verbose)));
        return command;
    }
}
