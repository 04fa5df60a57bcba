namespace SysopsFast.Cli;

/// <summary>The real name closest to a mistyped one (a command or an option), as git and GNU tools suggest it.</summary>
internal static class SpellingSuggestion
{
    /// <summary>"; did you mean 'grep'?", or nothing when no name is close (a word that short suggests noise).</summary>
    public static string For(string word, IEnumerable<string> names)
    {
        var typed = word.TrimStart('-');
        if (typed.Length < 3)
        {
            return "";
        }
        var best = names
            .Select(name => (Name: name, Distance: Distance(typed, name.TrimStart('-'))))
            .OrderBy(c => c.Distance)
            .FirstOrDefault();
        return best.Name is not null && best.Distance <= Math.Max(1, typed.Length / 3) ? $"; did you mean '{best.Name}'?" : "";
    }

    /// <summary>Edits from one to the other (insert, delete, replace, swap two neighbours); 0 when the word begins the name (an abbreviation).</summary>
    internal static int Distance(string typed, string name)
    {
        if (name.StartsWith(typed, StringComparison.Ordinal))
        {
            return 0;
        }
        var d = new int[typed.Length + 1, name.Length + 1];
        for (var i = 0; i <= typed.Length; i++)
        {
            d[i, 0] = i;
        }
        for (var j = 0; j <= name.Length; j++)
        {
            d[0, j] = j;
        }
        for (var i = 1; i <= typed.Length; i++)
        {
            for (var j = 1; j <= name.Length; j++)
            {
                var cost = typed[i - 1] == name[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && typed[i - 1] == name[j - 2] && typed[i - 2] == name[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }
        return d[typed.Length, name.Length];
    }
}
