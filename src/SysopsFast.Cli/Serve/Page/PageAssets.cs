namespace SysopsFast.Cli.Serve;

/// <summary>Stub until the page (branch serve-page) lands: no page, every path is not found.</summary>
internal static class PageAssets
{
    public static bool TryGet(string path, out string contentType, out ReadOnlyMemory<byte> body)
    {
        _ = path;
        contentType = "";
        body = default;
        return false;
    }
}
