namespace SysopsFast.IntegrationTests;

/// <summary>
/// A server that speaks RESP but answers every command with -LOADING, as a redis-server does while
/// it loads its dataset after a restart: up, but not ready.
/// </summary>
public sealed class NotReadyServer() : ScriptedRespServer((_, stream, stop) =>
    stream.WriteAsync("-LOADING Redis is loading the dataset in memory\r\n"u8.ToArray(), stop).AsTask());
