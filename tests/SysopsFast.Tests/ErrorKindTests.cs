using System.Net.Sockets;
using System.Threading.Channels;
using StackExchange.Redis;
using SysopsFast.Redis;
using Xunit;

// The client's simple constructors are obsolete for callers that know the command; a test has none.
#pragma warning disable CS0618

namespace SysopsFast.Tests;

/// <summary>What failover decides by: the kind <see cref="RedisFailure"/> gives each raw failure.</summary>
public sealed class ErrorKindTests
{
    [Theory]
    [InlineData("NOAUTH Authentication required.")]
    [InlineData("NOPERM User reader has no permissions to run the 'set' command")]
    [InlineData("WRONGPASS invalid username-password pair or user is disabled.")]
    public void A_credentials_or_permission_refusal_is_configuration(string reply)
    {
        var e = RedisFailure.From("127.0.0.1:6379", new RedisServerException(reply));
        Assert.NotNull(e);
        Assert.Equal(ErrorKind.Configuration, e.Kind);
        Assert.True(e.IsServerSide);
        Assert.Contains("127.0.0.1:6379", e.Message, StringComparison.Ordinal);
    }

    public static TheoryData<Exception> ServerFailures() =>
    [
        new IOException("connection to 127.0.0.1:6379 lost"),
        new SocketException((int)SocketError.ConnectionReset),
        new TimeoutException(),
        new InvalidDataException("not a RESP reply"),
        new RedisServerException("BUSY Redis is busy running a script"),
        new RedisConnectionException(ConnectionFailureType.SocketClosed, "closed"),
        new ChannelClosedException(new IOException("lost")),
        new AggregateException(new TimeoutException()),
    ];

    [Theory]
    [MemberData(nameof(ServerFailures))]
    public void A_dropped_slow_or_garbled_server_is_a_server_failure_to_fail_over(Exception raw)
    {
        var e = RedisFailure.From("127.0.0.1:6379", raw);
        Assert.NotNull(e);
        Assert.Equal(ErrorKind.ServerFailed, e.Kind);
        Assert.True(e.IsServerSide);
    }

    [Fact]
    public void A_cancellation_or_a_bug_is_no_server_failure()
    {
        Assert.Null(RedisFailure.From("s", new OperationCanceledException()));
        Assert.Null(RedisFailure.From("s", new NullReferenceException()));
    }

    [Fact]
    public void An_error_already_told_keeps_its_kind()
    {
        var told = Errors.CoreUnavailable("lva1/core0", ["a: down"]);
        Assert.Same(told, RedisFailure.From("s", told));
        Assert.False(told.IsServerSide);
        Assert.Equal(ErrorKind.InvalidInput, Errors.PatternHasNewline().Kind);
    }
}
