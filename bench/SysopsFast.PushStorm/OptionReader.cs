using System.Globalization;

namespace SysopsFast.Storm;

/// <summary>
/// The tools' command lines: <c>--name value</c> pairs and bare flags, each read once by its
/// consumer; a word left unread is an error, so a misspelt option never passes silently.
/// </summary>
internal sealed class OptionReader
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    public OptionReader(IReadOnlyList<string> args, IReadOnlySet<string> flags)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (!name.StartsWith("--", StringComparison.Ordinal) || _options.ContainsKey(name))
            {
                throw Errors.BadArgument($"'{name}' is not an option here, or is given twice; see the usage in bench/macro/push-storm.sh and soak.sh");
            }
            if (flags.Contains(name))
            {
                _options[name] = null;
                continue;
            }
            if (i + 1 == args.Count)
            {
                throw Errors.BadArgument($"{name} needs a value");
            }
            _options[name] = args[++i];
        }
    }

    public bool Flag(string name)
    {
        _read.Add(name);
        return _options.ContainsKey(name);
    }

    public string? Text(string name)
    {
        _read.Add(name);
        return _options.GetValueOrDefault(name);
    }

    public int Count(string name, int fallback, int min)
    {
        if (Text(name) is not { } text)
        {
            return fallback;
        }
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min
            ? value
            : throw Errors.BadArgument($"{name} takes a whole number of at least {min}, not '{text}'");
    }

    public double Fraction(string name, double fallback)
    {
        if (Text(name) is not { } text)
        {
            return fallback;
        }
        return double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value is >= 0 and <= 1
            ? value
            : throw Errors.BadArgument($"{name} takes a fraction from 0 to 1, not '{text}'");
    }

    /// <summary>Ends the reading: an option nobody asked for is an error.</summary>
    public void Finish()
    {
        if (_options.Keys.FirstOrDefault(k => !_read.Contains(k)) is { } unknown)
        {
            throw Errors.BadArgument($"unknown option {unknown}; see the usage in bench/macro/push-storm.sh and soak.sh");
        }
    }
}
