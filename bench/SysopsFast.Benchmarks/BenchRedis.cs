using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SysopsFast.Benchmarks;

/// <summary>A redis-server of a benchmark's own on loopback ports it picked; stopped by its PID.</summary>
internal sealed class BenchRedis : IAsyncDisposable
{
    private readonly Process _process;

    private BenchRedis(Process process, int port, int? tlsPort)
    {
        _process = process;
        Port = port;
        TlsPort = tlsPort;
    }

    public int Port { get; }

    /// <summary>The TLS port, when started with a certificate.</summary>
    public int? TlsPort { get; }

    /// <summary>
    /// Starts redis-server on a free port, and on a second one for TLS when <paramref name="tlsCertificate"/>
    /// (PEM cert and key) is given; <paramref name="clusterConfig"/> makes it a cluster node (its
    /// port then chosen with its bus port, +10000, free too).
    /// </summary>
    public static async Task<BenchRedis> StartAsync((string Cert, string Key)? tlsCertificate = null, string? clusterConfig = null)
    {
        var port = clusterConfig is null ? FreePort() : ClusterPort();
        var tlsPort = tlsCertificate is null ? (int?)null : FreePort();
        var start = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, UseShellExecute = false };
        var args = new List<string> { "--port", Text(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" };
        if (tlsCertificate is { } tls)
        {
            args.AddRange(["--tls-port", Text(tlsPort!.Value), "--tls-cert-file", tls.Cert, "--tls-key-file", tls.Key, "--tls-ca-cert-file", tls.Cert, "--tls-auth-clients", "no"]);
        }
        if (clusterConfig is not null)
        {
            args.AddRange(["--cluster-enabled", "yes", "--cluster-config-file", clusterConfig]);
        }
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        var redis = new BenchRedis(Process.Start(start)!, port, tlsPort);
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                break;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        return redis;
    }

    /// <summary>A throwaway self-signed certificate for 127.0.0.1 (its own CA), made with openssl in <paramref name="dir"/>.</summary>
    public static (string Cert, string Key) SelfSignedCertificate(string dir)
    {
        var cert = Path.Combine(dir, "server.crt");
        var key = Path.Combine(dir, "server.key");
        var openssl = new ProcessStartInfo("openssl") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1" })
        {
            openssl.ArgumentList.Add(a);
        }
        using var p = Process.Start(openssl)!;
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode == 0 ? (cert, key) : throw new InvalidOperationException("openssl failed: " + error);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private static string Text(int n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>A free port below 55,536 whose cluster bus port (+10000) is free too.</summary>
    private static int ClusterPort()
    {
        for (var port = 20000 + Random.Shared.Next(0, 30000); ; port++)
        {
            try
            {
                using var a = new TcpListener(IPAddress.Loopback, port);
                using var b = new TcpListener(IPAddress.Loopback, port + 10000);
                a.Start();
                b.Start();
                return port;
            }
            catch (SocketException)
            {
                // taken: the next one
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
