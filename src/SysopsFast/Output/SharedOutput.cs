namespace SysopsFast.Output;

/// <summary>
/// The one stream every worker's printing sink writes to: a record's bytes at a time, under one
/// lock, so lines of different hosts never interleave; with context output, "--" goes between
/// records' groups as GNU grep puts it between files' (never before the very first output).
/// </summary>
internal sealed class SharedOutput(Stream output, TextStyle style)
{
    private readonly Lock _lock = new();
    private bool _written;

    /// <param name="separated">A context group starts here: "--" first, unless nothing was written yet.</param>
    /// <param name="bytes">A whole record's output.</param>
    public void Write(ReadOnlySpan<byte> bytes, bool separated = false)
    {
        lock (_lock)
        {
            if (separated && _written)
            {
                output.Write(style.GroupSeparator);
            }
            output.Write(bytes);
            _written = true;
        }
    }

    public void Flush()
    {
        lock (_lock)
        {
            output.Flush();
        }
    }
}
