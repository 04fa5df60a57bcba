using System.Text;

namespace SysopsFast.Cli.Serve;

/// <summary>A query line split into words as a POSIX shell splits them: blanks, 'single' and "double" quotes, backslash.</summary>
internal static class ShellWords
{
    /// <summary>The words, or null with <paramref name="error"/> when a quote is not closed.</summary>
    public static List<string>? Split(string line, out string? error)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c is ' ' or '\t' or '\n')
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
                continue;
            }
            inWord = true;
            if (c == '\\')
            {
                if (++i < line.Length)
                {
                    word.Append(line[i]);
                }
            }
            else if (c is '\'' or '"')
            {
                var end = Quoted(line, i, word);
                if (end < 0)
                {
                    error = $"the query line has an unclosed {(c == '\'' ? "single" : "double")} quote";
                    return null;
                }
                i = end;
            }
            else
            {
                word.Append(c);
            }
        }
        if (inWord)
        {
            words.Add(word.ToString());
        }
        error = null;
        return words;
    }

    /// <summary>Appends the quoted text that starts at <paramref name="open"/>; returns the closing quote's index, -1 when none.</summary>
    private static int Quoted(string line, int open, StringBuilder word)
    {
        var quote = line[open];
        for (var i = open + 1; i < line.Length; i++)
        {
            var c = line[i];
            if (c == quote)
            {
                return i;
            }
            // In double quotes a backslash escapes only $ ` " \ and a newline, as in sh.
            if (quote == '"' && c == '\\' && i + 1 < line.Length && line[i + 1] is '$' or '`' or '"' or '\\' or '\n')
            {
                c = line[++i];
            }
            word.Append(c);
        }
        return -1;
    }
}
