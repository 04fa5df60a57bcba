using System.Globalization;
using System.Text;

namespace SysopsFast.Tests;

/// <summary>
/// Seeded material for comparing the ERE translation with GNU grep: realistic lines (sysctl
/// settings, addresses, package names, some non-ASCII and tabs) and random patterns built from
/// every construct of GNU's ERE dialect, each marked when it needs something the translation
/// refuses by design.
/// </summary>
internal static class PosixCorpus
{
    private static readonly string[] Keys =
        ["net.core.netdev_budget", "net.core.netdev_budget_usecs", "vm.swappiness", "fs.file-max", "kernel.pid_max",
         "net.ipv4.ip_forward", "kernel.hostname", "net.ipv4.tcp_rmem", "kernel.random.uuid", "dev.raid.speed_limit_max"];

    private static readonly string[] Packages =
        ["openssl-3.0.7-24.el9.x86_64", "bash-5.1.8-6.el9", "libstdc++-11.3.1-4.3.el9", "python3-pip-21.2.3", "zlib-1.2.11-40",
         "kernel-core-5.14.0-284.11.1.el9_2", "glibc-2.34-60.el9"];

    private static readonly string[] Odd =
        ["Émile Zoé façade", "naïve café — straße", "Ωmega λ=2 ΣΔ", "日本語 テキスト", "emoji \U0001F600 and \U0001D400 bold",
         "DIYARBAKIR dıyarbakır İstanbul", "ſtraße ﬁle", "x\tz\ttab", "{braces} [brackets] (parens)", "a*b+c?d|e",
         "back\\slash ^caret$ dollar", "   leading spaces", "", "#comment = yes", "K Kelvin k", "ÅÆØ åæø", "µs ms ns",
         "cafe\u0301 decomposed", "\u212A kelvin sign", "\U0001D400\U0001D401 bold word"];

    public static List<string> Lines(int seed)
    {
        var random = new Random(seed);
        var lines = new List<string>();
        for (var i = 0; i < 300; i++)
        {
            lines.Add((i % 6) switch
            {
                0 or 1 => $"{Pick(random, Keys)} = {Number(random)}",
                2 => $"{Pick(random, Keys)}\t{Number(random)}\t{Number(random)}",
                3 => $"{random.Next(1, 255)}.{random.Next(256)}.{random.Next(256)}.{random.Next(256)} host{random.Next(100)}.example.com",
                4 => Pick(random, Packages),
                _ => Pick(random, Odd),
            });
        }
        lines.AddRange(Odd);
        return lines;
    }

    private static string Number(Random random) => random.Next(4) switch
    {
        0 => random.Next(10).ToString(CultureInfo.InvariantCulture),
        1 => random.Next(100, 1000).ToString(CultureInfo.InvariantCulture),
        2 => random.NextInt64(10_000, 10_000_000_000).ToString(CultureInfo.InvariantCulture),
        _ => "0x" + random.Next().ToString("x", CultureInfo.InvariantCulture),
    };

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    private static readonly string[] Fixed =
        ["[[:digit:]]{5}$", "^net\\.core\\.", "[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+", "^[[:alpha:]_.]+ = [[:digit:]]+$", "\\<el9\\>",
         "(^|[^[:alnum:]])ms\\b", "[[:upper:]]{2,}", "[^[:print:]]", "[[:punct:]]{2}", "[[:space:]]{3}", "^$", "^", "$", "a|", "|",
         "()", "*a", "+x", "?", "{1}a", "{2,1}", "x{2,1}", "a**", "a+?", "(a|b)*+c", "é", "[éü]", "\U0001F600", "^.{5}$",
         "^[^ ]+$", "[]a]", "[^]a]", "[[.-.]]", "[[=e=]]", "[a-]", "[!--]", "\\w+\\s*=\\s*\\w+", "\\W\\W", "\\S\\s\\S",
         "\\`net", "[0-9]\\'", "\\Bnet", "core\\B", "a{,2}b", "x{1", "{", "a{x}", ")", "a)b", "\\{braces\\}", "\\[brackets\\]",
         "\\(parens\\)", "a\\*b\\+c\\?d\\|e", "\\^caret\\$", "back\\\\slash", "[\\]", "\\/", "\\-", "\\#", "[[:xdigit:]]{8}",
         "[[:cntrl:]]", "[[:blank:]]", "[[:graph:]]+", "^[[:lower:]]+$", "^[[:upper:]]", "ſ", "ı", "k", "K", "s", "I", "µ",
         "å", "(", "[", "[[:foo:]]", "[z-a]", "a{99999}", "\\", "[a-é]", "[[.space.]]"];

    /// <summary>Patterns, whether to run them with -i, and whether they need something refused by design.</summary>
    public static List<(string Pattern, bool IgnoreCase, bool Unsupported)> Patterns(int seed, int count)
    {
        var random = new Random(seed);
        var result = new List<(string, bool, bool)>();
        foreach (var p in Fixed)
        {
            result.Add((p, false, false));
            result.Add((p, true, false));
        }
        while (result.Count < count + Fixed.Length * 2)
        {
            var g = new Generator(random);
            var pattern = g.Alternation(2);
            result.Add((pattern, random.Next(4) == 0, g.Unsupported));
        }
        return result;
    }

    private sealed class Generator(Random random)
    {
        private static readonly string[] Literals =
            ["n", "e", "t", "c", "o", "r", "a", "m", "x", "9", "0", "1", "5", ".", "=", " ", "_", "-", ":", "/", "é", "ß", "ı", "K",
             "\t", "#", "%", "\U0001F600", "λ", "İ", "s", "S"];

        private static readonly string[] Escaped = ["\\.", "\\*", "\\[", "\\{", "\\|", "\\(", "\\)", "\\\\", "\\$", "\\^", "\\+", "\\?", "\\]", "\\}", "\\-", "\\ "];

        private static readonly string[] Classes =
            ["alpha", "digit", "alnum", "upper", "lower", "space", "blank", "punct", "print", "graph", "cntrl", "xdigit"];

        public bool Unsupported { get; private set; }

        private int _groups;

        public string Alternation(int depth)
        {
            var n = random.Next(6) == 0 ? 2 + random.Next(2) : 1;
            return string.Join("|", Enumerable.Range(0, n).Select(_ => random.Next(12) == 0 ? "" : Branch(depth)));
        }

        private string Branch(int depth)
        {
            var sb = new StringBuilder();
            if (random.Next(15) == 0)
            {
                sb.Append(Pick(random, ["*", "+", "?", "{2}"])); // repeats nothing, GNU warns
            }
            var pieces = 1 + random.Next(4);
            for (var i = 0; i < pieces; i++)
            {
                sb.Append(Piece(depth));
            }
            return sb.ToString();
        }

        private string Piece(int depth)
        {
            var atom = Atom(depth);
            if (atom.StartsWith("\\<", StringComparison.Ordinal) || atom.EndsWith("\\>", StringComparison.Ordinal))
            {
                return atom;
            }
            var quantifiers = random.Next(3) == 0 ? 1 + (random.Next(6) == 0 ? 1 : 0) : 0;
            var sb = new StringBuilder(atom);
            for (var i = 0; i < quantifiers; i++)
            {
                sb.Append(Quantifier());
            }
            return sb.ToString();
        }

        private string Quantifier() => random.Next(10) switch
        {
            0 or 1 => "*",
            2 => "+",
            3 => "?",
            4 => $"{{{random.Next(4)}}}",
            5 => $"{{{random.Next(3)},}}",
            6 => $"{{,{random.Next(1, 4)}}}",
            7 => $"{{{random.Next(2)},{2 + random.Next(3)}}}",
            8 => Pick(random, ["{", "{x}", "{1", "{,}"]),
            _ => "+",
        };

        private string Atom(int depth)
        {
            switch (random.Next(30))
            {
                case < 10:
                    return Pick(random, Literals);
                case < 12:
                    return Pick(random, Escaped);
                case < 14:
                    return ".";
                case < 19:
                    return Bracket();
                case < 21:
                    return Pick(random, ["\\w", "\\W", "\\s", "\\S"]);
                case < 24 when depth > 0:
                    _groups++;
                    return "(" + Alternation(depth - 1) + ")";
                case 24:
                    return Pick(random, ["^", "$", "\\`", "\\'"]);
                case 25:
                    return Pick(random, ["\\b", "\\B"]);
                case 26:
                    return Pick(random, ["\\<net", "\\<[a-z]+", "\\<\\w", "core\\>", "[0-9]\\>", "\\w+\\>"]);
                case 27 when random.Next(3) == 0:
                    Unsupported = true;
                    return Pick(random, ["\\d", "\\t", "\\n", "\\<.", "\\<-", ".\\>", "x*\\>"]);
                case 28 when random.Next(3) == 0 && _groups > 0:
                    Unsupported = true;
                    return "\\1";
                default:
                    return Pick(random, Literals);
            }
        }

        private string Bracket()
        {
            var sb = new StringBuilder("[");
            if (random.Next(3) == 0)
            {
                sb.Append('^');
            }
            if (random.Next(8) == 0)
            {
                sb.Append(']');
            }
            var members = 1 + random.Next(3);
            for (var i = 0; i < members; i++)
            {
                sb.Append(random.Next(9) switch
                {
                    0 or 1 => $"[:{Pick(random, Classes)}:]",
                    2 => Pick(random, ["a-z", "0-9", "A-F", "a-f", "!--", " -/", "K-k"]),
                    3 => Pick(random, ["[=a=]", "[.-.]", "[.a.]-[.f.]", "[=K=]"]),
                    4 => Pick(random, ["é", "ß", "ı", "\U0001F600", "λ", "ſ"]),
                    5 => Pick(random, ["\\", "[", ".", "*", "^x", "$", "|"]),
                    _ => Pick(random, ["a", "e", "n", "t", "s", "x", "1", "5", "=", " ", "_", ":", "\t", "K", "I"]),
                });
            }
            if (random.Next(8) == 0)
            {
                sb.Append('-');
            }
            return sb.Append(']').ToString();
        }
    }
}
