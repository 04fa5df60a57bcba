using System.Text.RegularExpressions;
using SysopsFast.Format;
using Xunit;

namespace SysopsFast.Tests;

/// <summary>The test vectors are read from docs/FORMAT.md itself, so the document cannot drift from the code.</summary>
public partial class FormatVectorTests
{
    private static readonly string Doc = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "FORMAT.md"));

    public static TheoryData<string> Codecs => new() { "None", "Lz4", "Zstd" };

    private static string Content() => VectorText().Match(Doc).Groups[1].Value.Replace("\r\n", "\n", StringComparison.Ordinal);

    private static byte[] Vector(string name)
    {
        var m = new Regex($@"### Vector: {name}\s+```hex\n([0-9a-f\n]+)```").Match(Doc);
        Assert.True(m.Success, $"vector {name} missing from FORMAT.md");
        return Convert.FromHexString(m.Groups[1].Value.Replace("\n", "", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Vector_decodes_to_the_documented_contents_and_metadata(string codec)
    {
        using var decoder = new RecordDecoder();
        Assert.True(decoder.TryDecode(Vector(codec), out var h, out var content, out var error), error);
        Assert.Equal(Content(), System.Text.Encoding.UTF8.GetString(content));
        Assert.Equal(Enum.Parse<PayloadCodec>(codec), h.Codec);
        Assert.Equal(83, h.RawLength);
        Assert.Equal(3, h.Lines);
        Assert.Equal(9, h.Words);
        Assert.Equal(82, h.Characters);
        Assert.Equal("6b76403a23141c217e612d1abbb6e854", h.Md5.ToString("x32", null));
        Assert.Equal(1700000000123, h.InsertedUnixMs);
        Assert.Equal(new FileStat(0x81A4, 0, 0, 83, 1700000000), h.Stat);
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Encoding_the_contents_gives_the_vector_bytes(string codec)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(Content());
        var record = RecordEncoder.Encode(bytes, new FileStat(0x81A4, 0, 0, 83, 1700000000), 1700000000123, Enum.Parse<PayloadCodec>(codec));
        Assert.Equal(Convert.ToHexString(Vector(codec)), Convert.ToHexString(record));
    }

    [GeneratedRegex("```text\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex VectorText();
}
