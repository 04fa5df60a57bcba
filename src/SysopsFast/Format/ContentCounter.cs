using System.Security.Cryptography;
using System.Text;

namespace SysopsFast.Format;

/// <summary>What a record's header says of its contents, without the contents: length, md5 and <c>wc</c>'s counts.</summary>
public readonly record struct ContentSummary(long Length, UInt128 Md5, long Characters, long Lines, long Words);

/// <summary>
/// Counts contents as <c>wc -m -l -w</c> does (UTF-8 characters, newlines, whitespace-separated
/// words) and hashes them, a piece at a time, so that an object over the size cap is described in
/// its header without being held in memory. The same counts for any split into pieces.
/// </summary>
public sealed class ContentCounter : IDisposable
{
    private readonly Decoder _utf8 = Encoding.UTF8.GetDecoder();
    private readonly char[] _chars = new char[4096];
    private readonly IncrementalHash? _md5;
    private long _length;
    private long _characters;
    private long _lines;
    private long _words;
    private bool _inWord;

    /// <param name="hash">Whether to compute the md5 too.</param>
    public ContentCounter(bool hash = true) => _md5 = hash ? IncrementalHash.CreateHash(HashAlgorithmName.MD5) : null;

    /// <summary>Counts (and hashes) the next piece of the contents.</summary>
    public void Add(ReadOnlySpan<byte> piece)
    {
        _length += piece.Length;
        _md5?.AppendData(piece);
        _characters += Characters(piece, flush: false);
        _lines += piece.Count((byte)'\n');
        _words += Words(piece, ref _inWord);
    }

    /// <summary>The counts of everything added (a UTF-8 sequence cut off at the end counts as one character, as a whole decode counts it).</summary>
    public ContentSummary Complete()
    {
        var characters = _characters + Characters([], flush: true);
        var md5 = _md5 is null ? UInt128.Zero : System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(_md5.GetHashAndReset());
        return new ContentSummary(_length, md5, characters, _lines, _words);
    }

    /// <summary>Words begun in <paramref name="piece"/>, a word that runs on from the piece before not counted again.</summary>
    public static long Words(ReadOnlySpan<byte> piece, ref bool inWord)
    {
        long words = 0;
        foreach (var b in piece)
        {
            var space = b is (byte)' ' or (byte)'\n' or (byte)'\t' or (byte)'\r' or (byte)'\v' or (byte)'\f';
            if (!space && !inWord)
            {
                words++;
            }
            inWord = !space;
        }
        return words;
    }

    /// <summary>Frees the md5 state.</summary>
    public void Dispose() => _md5?.Dispose();

    /// <summary>
    /// Characters decoded from <paramref name="piece"/>. Decoded, not only counted: a decoder's
    /// GetCharCount does not carry a sequence cut at the end of one piece into the next.
    /// </summary>
    private long Characters(ReadOnlySpan<byte> piece, bool flush)
    {
        long count = 0;
        bool completed;
        do
        {
            _utf8.Convert(piece, _chars, flush, out var used, out var produced, out completed);
            count += produced;
            piece = piece[used..];
        }
        while (!piece.IsEmpty || !completed);
        return count;
    }
}
