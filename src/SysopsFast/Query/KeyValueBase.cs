using SysopsFast.Format;
using SysopsFast.Grep;
using SysopsFast.Pipeline;

namespace SysopsFast.Query;

/// <summary>
/// The <c>key = value</c> pairs of one line delta base that a kv query wants (its glob's), read once
/// per query: a host's copied base lines then count through a difference array, and only its
/// inserted and edited lines are parsed. Only a base without ini sections and without a wanted key
/// twice can be read so (<see cref="Simple"/>): a section changes the keys after it, and a key
/// repeated in a record counts its last value; records of other bases are decoded.
/// </summary>
internal sealed class KeyValueBase
{
    private readonly Dictionary<byte[], int> _lines = new(ByteSequenceComparer.Instance);
    private readonly Dictionary<byte[], int>.AlternateLookup<ReadOnlySpan<byte>> _lookup;

    public KeyValueBase(LineBase lineBase, KeyGlob? glob)
    {
        Base = lineBase;
        _lookup = _lines.GetAlternateLookup<ReadOnlySpan<byte>>();
        Wanted = new bool[lineBase.LineCount];
        Simple = true;
        for (var i = 0; i < lineBase.LineCount && Simple; i++)
        {
            var kind = KeyValueParser.ParseLine(lineBase.Line(i), out var key, out _);
            Wanted[i] = kind == KeyValueLineKind.Pair && (glob is null || glob.IsMatch(key));
            Simple = kind != KeyValueLineKind.Section && (!Wanted[i] || _lookup.TryAdd(key, i));
        }
    }

    public LineBase Base { get; }

    /// <summary>No section, no wanted key twice: records of this base can be read from their ops.</summary>
    public bool Simple { get; }

    /// <summary>Whether base line i is a pair whose key the glob wants.</summary>
    public bool[] Wanted { get; }

    /// <summary>The base line holding wanted key <paramref name="key"/>; -1 when none does.</summary>
    public int LineOf(ReadOnlySpan<byte> key) => _lookup.TryGetValue(key, out var line) ? line : -1;

    /// <summary>Base line <paramref name="line"/>'s key and value (a wanted line).</summary>
    public void Pair(int line, out ReadOnlySpan<byte> key, out ReadOnlySpan<byte> value) =>
        KeyValueParser.ParseLine(Base.Line(line), out key, out value);
}

/// <summary>Each base's <see cref="KeyValueBase"/> for one query, shared by its workers.</summary>
internal sealed class KeyValueBaseCache(KeyGlob? glob)
{
    private readonly PerBase<KeyValueBase> _byBase = new();

    public KeyValueBase For(LineBase lineBase) => _byBase.For(lineBase, glob, static (b, g) => new KeyValueBase(b, g));
}
