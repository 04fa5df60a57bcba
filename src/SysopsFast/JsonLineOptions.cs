using System.Text.Json;

namespace SysopsFast;

/// <summary>
/// How every JSON line the product writes is encoded (printed answers, the published cost):
/// non-ASCII text stays readable; control characters (escape sequences) are always escaped.
/// </summary>
internal static class JsonLineOptions
{
    public static readonly JsonWriterOptions Writer = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
