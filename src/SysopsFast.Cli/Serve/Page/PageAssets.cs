namespace SysopsFast.Cli.Serve;

/// <summary>
/// The page `serve` answers at <c>/</c> and its two files under <c>/assets/</c>, embedded in the
/// binary as manifest resources (Native AOT keeps them): nothing is read from disk or elsewhere.
/// </summary>
internal static class PageAssets
{
    private static readonly Dictionary<string, (string ContentType, ReadOnlyMemory<byte> Body)> Files = new(StringComparer.Ordinal)
    {
        ["/"] = ("text/html; charset=utf-8", Load("index.html")),
        ["/assets/app.js"] = ("text/javascript; charset=utf-8", Load("app.js")),
        ["/assets/app.css"] = ("text/css; charset=utf-8", Load("app.css")),
    };

    /// <summary>The file for a request path (<c>/</c>, <c>/assets/app.js</c>); false for any other path.</summary>
    public static bool TryGet(string path, out string contentType, out ReadOnlyMemory<byte> body)
    {
        if (Files.TryGetValue(path, out var file))
        {
            (contentType, body) = file;
            return true;
        }
        (contentType, body) = ("", ReadOnlyMemory<byte>.Empty);
        return false;
    }

    // The csproj names each resource "page/<file>" (LogicalName), whatever the folder's namespace.
    private static byte[] Load(string name)
    {
        using var stream = typeof(PageAssets).Assembly.GetManifestResourceStream("page/" + name)
            ?? throw new InvalidOperationException($"the page's {name} is not embedded in this build");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
