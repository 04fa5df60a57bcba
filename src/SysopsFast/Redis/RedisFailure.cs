using System.Net.Sockets;
using StackExchange.Redis;

namespace SysopsFast.Redis;

/// <summary>
/// The one place that reads the .NET and client exception types a failing server throws (a dropped
/// socket, a timeout, a reply of the wrong shape, StackExchange.Redis's own), and tells them as a
/// <see cref="SysopsFastException"/> with a <see cref="ErrorKind"/>: everything above the Redis
/// layer (failover, the CLI's exit codes) decides by the kind.
/// </summary>
internal static class RedisFailure
{
    /// <summary>
    /// What <paramref name="e"/> means when <paramref name="server"/> was being read: an error of
    /// ours as is, a credentials or permission refusal as configuration, any other server failure
    /// as one; null for what no server causes (a cancellation, a bug).
    /// </summary>
    public static SysopsFastException? From(string server, Exception e) => e switch
    {
        SysopsFastException s => s,
        AggregateException { InnerExceptions: [var first, ..] } => From(server, first),
        ChannelClosedException { InnerException: { } inner } => From(server, inner),
        RedisServerException r when Errors.FromServerError(server, null, r.Message) is { } refused =>
            new SysopsFastException(refused.Message, refused.Kind, refused.Remedy, r),
        RedisException or TimeoutException or InvalidDataException or IOException or SocketException => Errors.ServerFailed(server, e),
        _ => null,
    };
}
