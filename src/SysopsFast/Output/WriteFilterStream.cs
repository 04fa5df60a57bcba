namespace SysopsFast.Output;

/// <summary>
/// A write-only stream that passes what is written to <see cref="Inner"/> through
/// <see cref="WriteOnlyStream.Write(ReadOnlySpan{byte})"/>.
/// </summary>
public abstract class WriteFilterStream(Stream inner) : WriteOnlyStream
{
    protected Stream Inner => inner;

    public override void Flush() => inner.Flush();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Flush();
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
