namespace SysopsFast.Redis;

/// <summary>
/// The files a TLS connection (<c>rediss://</c>) uses, all PEM: the CA certificate(s) that sign the
/// servers' certificates, and a client certificate with its key for servers that ask for one. A
/// null CA means <see cref="CaEnvironmentVariable"/>, else the system's trusted CAs.
/// </summary>
public sealed record TlsFiles(string? CaFile = null, string? CertificateFile = null, string? KeyFile = null)
{
    /// <summary>The CA file to use when none is given.</summary>
    public const string CaEnvironmentVariable = "SYSOPS_FAST_TLS_CA";

    /// <summary>No file given.</summary>
    public bool IsEmpty => CaFile is null && CertificateFile is null && KeyFile is null;

    /// <summary>These files, each missing one taken from <paramref name="fallback"/>.</summary>
    public TlsFiles Over(TlsFiles? fallback) => fallback is null ? this : new(CaFile ?? fallback.CaFile, CertificateFile ?? fallback.CertificateFile, KeyFile ?? fallback.KeyFile);
}
