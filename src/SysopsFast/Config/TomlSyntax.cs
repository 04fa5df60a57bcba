using System.Globalization;
using SysopsFast.Redis;
using Tomlyn.Syntax;

namespace SysopsFast.Config;

/// <summary>
/// What the TOML files (topology, agent) share: the syntax tree, not a model, is walked, so that
/// every error names the file, line and key a human has to fix, and unknown keys are warnings.
/// </summary>
internal static class TomlSyntax
{
    /// <summary>The syntax tree of <paramref name="text"/>; its first syntax error is thrown.</summary>
    public static DocumentSyntax Parse(string text, string fileName)
    {
        DocumentSyntax doc;
        try
        {
            doc = Tomlyn.Parsing.SyntaxParser.Parse(text, fileName, false);
        }
        catch (Tomlyn.TomlException e)
        {
            // The parser throws (rather than reports) past its nesting limit, without a line; its message names its options type.
            throw Invalid(fileName, (e.Line - 1) ?? TooDeepLine(text), null, $"arrays or inline tables are nested too deep (more than {MaxDepth} inside each other)");
        }
        if (doc.HasErrors)
        {
            for (var i = 0; i < doc.Diagnostics.Count; i++)
            {
                var d = doc.Diagnostics[i];
                if (d.Kind == DiagnosticMessageKind.Error)
                {
                    throw Invalid(fileName, d.Span.Start.Line, null, d.Message);
                }
            }
        }
        return doc;
    }

    /// <summary>The parser's nesting limit (Tomlyn's default MaxDepth).</summary>
    private const int MaxDepth = 64;

    /// <summary>The (zero-based) line where brackets and braces first nest past <see cref="MaxDepth"/>, strings and comments skipped.</summary>
    private static int TooDeepLine(string text)
    {
        var (line, depth, quote, comment) = (0, 0, '\0', false);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\n')
            {
                (line, comment) = (line + 1, false);
            }
            else if (comment || (quote != '\0' && c != quote))
            {
                i += quote == '"' && c == '\\' ? 1 : 0; // an escape in a basic string
            }
            else if (c is '"' or '\'')
            {
                quote = quote == c ? '\0' : c;
            }
            else if (c == '#')
            {
                comment = true;
            }
            else if ((depth += c is '[' or '{' ? 1 : c is ']' or '}' ? -1 : 0) > MaxDepth)
            {
                return line;
            }
        }
        return 0;
    }

    /// <summary>The file's text; one that cannot be read is an error naming it as <paramref name="what"/>.</summary>
    public static string Read(string path, string what)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Errors.BadArgument($"cannot read the {what} '{path}' ({e.Message})");
        }
    }

    /// <summary>A path in the file, relative to the file's own directory.</summary>
    public static string RelativeTo(string file, string path) =>
        Path.IsPathRooted(path) ? path : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(file)) ?? "", path);

    /// <summary>
    /// Reads <c>tls_ca</c>, <c>tls_cert</c> and <c>tls_key</c> (PEM files, relative to the file's
    /// directory) into <paramref name="tls"/>; false for any other key.
    /// </summary>
    public static bool TryTlsFile(KeyValueSyntax kv, string key, string fileName, ref TlsFiles tls)
    {
        if (key is not ("tls_ca" or "tls_cert" or "tls_key"))
        {
            return false;
        }
        var file = kv.Value is StringValueSyntax { Value: { Length: > 0 } path } ? RelativeTo(fileName, path) : throw Invalid(fileName, kv.Span.Start.Line, key, "must be the path of a PEM file, as a string");
        tls = key switch
        {
            "tls_ca" => tls with { CaFile = file },
            "tls_cert" => tls with { CertificateFile = file },
            _ => tls with { KeyFile = file },
        };
        return true;
    }

    /// <summary>A non-empty list of Redis addresses, each error naming its line.</summary>
    public static List<ServerAddress> Addresses(KeyValueSyntax kv, string fileName, string key) =>
        AddressTexts(kv, fileName, key).Select(ServerAddress.Parse).Distinct().ToList();

    /// <summary><see cref="Addresses"/> as written (a URL's scheme and user kept), each checked.</summary>
    public static List<string> AddressTexts(KeyValueSyntax kv, string fileName, string key)
    {
        var texts = new List<string>();
        foreach (var (line, text) in Strings(kv, fileName, key, "server", "\"redis://host:port\""))
        {
            try
            {
                _ = ServerAddress.Parse(text);
            }
            catch (SysopsFastException e)
            {
                throw Invalid(fileName, line, key, e.Message);
            }
            texts.Add(text);
        }
        return texts;
    }

    /// <summary>A non-empty list of strings, each with its (zero-based) line; <paramref name="noun"/> names an item in errors.</summary>
    public static List<(int Line, string Text)> Strings(KeyValueSyntax kv, string fileName, string key, string noun, string example)
    {
        if (kv.Value is not ArraySyntax array || array.Items.ChildrenCount == 0)
        {
            throw Invalid(fileName, kv.Span.Start.Line, key, $"must be a non-empty list of {example} strings");
        }
        var list = new List<(int, string)>();
        foreach (var item in array.Items)
        {
            list.Add(item.Value is StringValueSyntax s
                ? (item.Span.Start.Line, s.Value ?? "")
                : throw Invalid(fileName, item.Span.Start.Line, key, $"every {noun} must be a string {example}"));
        }
        return list;
    }

    public static List<string> TablePath(TableSyntaxBase table)
    {
        var path = new List<string>();
        if (table.Name is { } name)
        {
            path.Add(KeyText(name.Key));
            foreach (var dot in name.DotKeys)
            {
                path.Add(KeyText(dot.Key));
            }
        }
        return path;
    }

    public static string KeyText(KeySyntax? key) => key is null ? "" : KeyText(key.Key) + string.Concat(key.DotKeys.Select(d => "." + KeyText(d.Key)));

    private static string KeyText(BareKeyOrStringValueSyntax? key) => key switch
    {
        StringValueSyntax s => s.Value ?? "",
        null => "",
        _ => key.ToString()!.Trim(),
    };

    public static string UnknownKey(string fileName, int zeroBasedLine, string key) =>
        string.Create(CultureInfo.InvariantCulture, $"{fileName}:{zeroBasedLine + 1}: unknown key '{key}' ignored");

    public static SysopsFastException Invalid(string file, int zeroBasedLine, string? key, string why) =>
        Errors.FileInvalid(file, zeroBasedLine + 1, key, why);
}
