using System.Runtime.InteropServices;

namespace SysopsFast.Redis;

/// <summary>
/// On Linux, SslStream builds a chain from the whole system store before any certificate check of
/// ours runs, even for a server checked against a CA file (whose verdict ignores that chain). The
/// first build parses every CA of /etc/ssl/certs twice (the bundle, then the directory): ~40 ms of
/// a query that is otherwise done in 150 ms (perf-results/2026-11-26-tls-24000.md). .NET takes the
/// store's location from OpenSSL's SSL_CERT_FILE and SSL_CERT_DIR, read from the process's native
/// environment once, at that first build. A process whose only TLS peers are Redis servers checked
/// against CA files can therefore point the "system" store at one of those files instead.
/// </summary>
public static partial class SystemTrustStore
{
    /// <summary>
    /// Makes <paramref name="caFile"/> the process's system store. Only for a process that owns
    /// its environment and whose every TLS peer is checked against a CA file (a library must not:
    /// the host application's other TLS peers would lose the system's CAs); call it before the
    /// first TLS connection and while no other thread reads the environment. False when the file
    /// does not exist (its connection will say so) or the environment could not be changed.
    /// </summary>
    public static bool ReplaceWith(string caFile)
    {
        if (!File.Exists(caFile))
        {
            return false;
        }
        try
        {
            // Native setenv: Environment.SetEnvironmentVariable only changes .NET's copy on Unix.
            // An empty SSL_CERT_DIR lists no directory, so /etc/ssl/certs is not read as a fallback.
            return SetEnv("SSL_CERT_FILE", Path.GetFullPath(caFile), 1) == 0 && SetEnv("SSL_CERT_DIR", "", 1) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
