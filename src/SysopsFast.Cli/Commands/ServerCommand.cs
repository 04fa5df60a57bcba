using System.CommandLine;
using SysopsFast.Server;

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
            var p = parse.GetValue(port);
            using var server = StartEmbedded(p, parse.GetValue(memory)!, quiet: true);
            await Console.Error.WriteLineAsync($"sysops-fast: embedded server listening on {server.Address}; Ctrl-C stops it");
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
            }
            await Console.Error.WriteLineAsync("sysops-fast: embedded server stopped");
            return CliRunner.Matched;
        }, Console.Error, parse.GetValue(CommonOptions.Verbose)));
        return command;
    }

    internal static EmbeddedServer StartEmbedded(int port, string memory, bool quiet)
    {
        try
        {
            return EmbeddedServer.Start(port, memory, quiet);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw Errors.EmbeddedServerFailed(port, e);
        }
    }
}
