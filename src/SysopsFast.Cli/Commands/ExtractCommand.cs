using System.CommandLine;

namespace SysopsFast.Cli.Commands;

/// <summary>
/// <c>extract</c>: the original <c>extract_sysops_cache.py</c>'s options, so existing scripts keep
/// working; each command line is rewritten (<see cref="ExtractTranslator"/>) into a modern command.
/// </summary>
internal static class ExtractCommand
{
    public static Command Build(RootCommand root)
    {
        var words = new Argument<string[]>("options") { Description = "The original's options: --search X, --md5sum, --prefix-hostnames, --scope site, --compare K, --compare-all, --list-files, --info, … (docs/OPTIONS.md)", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("extract", "Compatibility with the original extract_sysops_cache.py: takes its options and runs the equivalent command") { words };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            string[] modern;
            try
            {
                modern = ExtractTranslator.Translate([.. parse.GetValue(words) ?? [], .. parse.UnmatchedTokens]);
            }
            catch (SysopsFastException e)
            {
                await Console.Error.WriteLineAsync("sysops-fast: " + e.Message);
                return CliRunner.Error;
            }
            if (parse.GetValue(CommonOptions.Verbose))
            {
                modern = [.. modern, "--verbose"];
            }
            var translated = CommandTree.Parse(root, modern);
            if (translated.Errors.Count > 0)
            {
                await Console.Error.WriteLineAsync($"sysops-fast: extract: {translated.Errors[0].Message} (as 'sysops-fast {string.Join(' ', modern)}')");
                return CliRunner.Error;
            }
            return await translated.InvokeAsync(cancellationToken: ct);
        });
        return command;
    }
}
