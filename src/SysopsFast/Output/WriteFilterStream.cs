namespace SysopsFast.Output;

/// <summary>
/// A write-only stream that passes what is written to <see cref="Inner"/> through
/// <see cref="WriteOnlyStream.Write(ReadOnlySpan{byte})"/>.
/// </summary>
public abstract class WriteFilterStream(Stream inner) : WriteOnlyStream
{
    /// <summary>The stream written to.</summary>
    protected Stream Inner => inner;

    /// <inheritdoc/>
    public override void Flush() => inner.Flush();

    /// <summary>Flushes, then disposes the inner stream.</summary>
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
