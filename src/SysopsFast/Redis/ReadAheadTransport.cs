using System.Runtime.ExceptionServices;

namespace SysopsFast.Redis;

/// <summary>
/// A transport whose reads run ahead of the connection's reader: a task keeps receiving from the
/// inner transport (for TLS, an <see cref="System.Net.Security.SslStream"/>: each read decrypts) into a ring of
/// <see cref="Capacity"/> bytes, while the reader copies out what arrived and parses it. Decryption
/// thus runs on one core while parsing and delivery run on another. The ring bounds what is read
/// ahead: when it is full the task waits, and TCP's window holds the server back. What the inner
/// transport ends with (the server closed, an error) reaches the reader once the bytes before it
/// have been read. The ring is rented once and returned when both the task and the transport are done.
/// </summary>
internal sealed class ReadAheadTransport : RespTransport
{
    /// <summary>The most bytes read ahead: a few MGET replies' worth of TLS records.</summary>
    internal const int Capacity = 1 << 20;

    /// <summary>The most one read of the inner transport asks for (an SslStream fills what it can decrypt).</summary>
    private const int MaxRead = 256 * 1024;

    /// <summary>A waiting pump is woken only once this much is free, not for every few bytes taken.</summary>
    private const int WakeFree = Capacity / 4;

    private readonly RespTransport _inner;
    private readonly byte[] _ring = LargeBuffers.Rent(Capacity);
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationToken _stopToken;
    private long _written;
    private long _taken;
    private bool _ended;
    private Exception? _failure;
    private bool _disposed;
    private TaskCompletionSource? _dataWaiter;
    private TaskCompletionSource? _spaceWaiter;

    public ReadAheadTransport(RespTransport inner)
    {
        _inner = inner;
        _stopToken = _stop.Token;
        Pump = Task.Run(PumpAsync, CancellationToken.None);
    }

    /// <summary>The task that reads ahead; it never fails (what ended it reaches the reader).</summary>
    internal Task Pump { get; }

    /// <summary>Bytes read ahead and not yet taken.</summary>
    internal long Buffered
    {
        get
        {
            lock (_gate)
            {
                return _written - _taken;
            }
        }
    }

    public override async ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_written > _taken)
                {
                    return Take(buffer.Span);
                }
                if (_ended)
                {
                    return _failure is null ? 0 : Rethrow(_failure);
                }
                _dataWaiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _dataWaiter.Task;
            }
            await wait.WaitAsync(cancellationToken);
        }
    }

    private static int Rethrow(Exception failure)
    {
        ExceptionDispatchInfo.Throw(failure);
        return 0;
    }

    /// <summary>Copies what the ring holds (up to the buffer's length) out; under the gate, so the ring cannot be returned meanwhile.</summary>
    private int Take(Span<byte> buffer)
    {
        var count = (int)Math.Min(buffer.Length, _written - _taken);
        var at = (int)(_taken % Capacity);
        var first = Math.Min(count, Capacity - at);
        _ring.AsSpan(at, first).CopyTo(buffer);
        _ring.AsSpan(0, count - first).CopyTo(buffer[first..]);
        _taken += count;
        if (_spaceWaiter is { } pump && Capacity - (_written - _taken) >= WakeFree)
        {
            _spaceWaiter = null;
            pump.TrySetResult();
        }
        return count;
    }

    private async Task PumpAsync()
    {
        Exception? failure = null;
        try
        {
            while (true)
            {
                var (at, count, wait) = FreeSpace();
                if (wait is not null)
                {
                    await wait;
                    continue;
                }
                var n = await _inner.ReceiveAsync(_ring.AsMemory(at, count), _stopToken);
                if (n == 0)
                {
                    break;
                }
                Produced(n);
            }
        }
        catch (Exception e)
        {
            failure = e;
        }
        Finish(failure);
    }

    /// <summary>Where the next read goes and how much it may take, or what to wait for when the ring is full.</summary>
    private (int At, int Count, Task? Wait) FreeSpace()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var free = Capacity - (_written - _taken);
            if (free == 0)
            {
                _spaceWaiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                return (0, 0, _spaceWaiter.Task);
            }
            var at = (int)(_written % Capacity);
            return (at, (int)Math.Min(Math.Min(free, Capacity - at), MaxRead), null);
        }
    }

    private void Produced(int count)
    {
        TaskCompletionSource? reader;
        lock (_gate)
        {
            _written += count;
            reader = _dataWaiter;
            _dataWaiter = null;
        }
        reader?.TrySetResult();
    }

    /// <summary>The pump is over: the reader learns why after the bytes before; the ring goes back if the transport is disposed.</summary>
    private void Finish(Exception? failure)
    {
        TaskCompletionSource? reader;
        bool disposed;
        lock (_gate)
        {
            _ended = true;
            _failure = failure;
            reader = _dataWaiter;
            _dataWaiter = null;
            disposed = _disposed;
        }
        reader?.TrySetResult();
        if (disposed)
        {
            LargeBuffers.Return(_ring);
        }
    }

    public override ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => _inner.SendAsync(data, cancellationToken);

    /// <summary>Closes the inner transport (the pump's read ends) and wakes both sides; the ring goes back once the pump is over.</summary>
    public override void Dispose()
    {
        TaskCompletionSource? reader, pump;
        bool ended;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            ended = _ended;
            (reader, pump) = (_dataWaiter, _spaceWaiter);
            (_dataWaiter, _spaceWaiter) = (null, null);
        }
        _stop.Cancel();
        _inner.Dispose();
        reader?.TrySetResult();
        pump?.TrySetResult();
        if (ended)
        {
            LargeBuffers.Return(_ring);
        }
        _stop.Dispose();
    }
}
