using Microsoft.AspNetCore.Http;

namespace SysopsFast.Cli.Serve;

/// <summary>
/// The response body a command writes its answer to: the status (200) and content type are sent
/// with the first byte, so a command that fails before writing anything still gets a problem
/// response (<see cref="Started"/> false). Closing it does not end the response: the end line follows.
/// </summary>
internal sealed class ResponseBody(HttpResponse response, string contentType) : Stream
{
    private readonly Stream _body = response.Body;

    /// <summary>Whether anything was written (the status is sent).</summary>
    public bool Started { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return;
        }
        Start();
        // Commands write synchronously (serve allows it: a slow client holds back its own query, no other).
        _body.Write(buffer);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return;
        }
        Start();
        await _body.WriteAsync(buffer, cancellationToken);
    }

    /// <summary>Each flush reaches the client: the answer streams while the query runs.</summary>
    public override void Flush()
    {
        if (Started)
        {
            _body.Flush();
        }
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Started ? _body.FlushAsync(cancellationToken) : Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private void Start()
    {
        if (!Started)
        {
            Started = true;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = contentType;
        }
    }
}
