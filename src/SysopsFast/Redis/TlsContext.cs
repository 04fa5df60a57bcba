using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SysopsFast.Redis;

/// <summary>
/// The loaded material of a <see cref="TlsFiles"/> (loaded once per process) and the server
/// certificate check both connection kinds use: our <see cref="RespConnection"/> and
/// StackExchange.Redis. The check says why it refuses a certificate, in words a person can act on.
/// </summary>
internal sealed class TlsContext
{
    private static readonly ConcurrentDictionary<TlsFiles, Lazy<TlsContext>> Loaded = new();

    private readonly X509Certificate2Collection? _authorities;

    private TlsContext(string? caFile, X509Certificate2Collection? authorities, X509Certificate2? clientCertificate)
    {
        CaFile = caFile;
        _authorities = authorities;
        ClientCertificate = clientCertificate;
    }

    /// <summary>For a probe that only asks whether a port speaks TLS: any certificate will do, none is sent.</summary>
    public static TlsContext AcceptAny { get; } = new(null, null, null) { _acceptAny = true };

    private bool _acceptAny;

    /// <summary>The CA file the server certificates are checked against; null: the system's trusted CAs.</summary>
    public string? CaFile { get; }

    public X509Certificate2? ClientCertificate { get; }

    /// <summary>The context of <paramref name="files"/>, the CA defaulting to <see cref="TlsFiles.CaEnvironmentVariable"/>.</summary>
    public static TlsContext For(TlsFiles? files)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(TlsFiles.CaEnvironmentVariable);
        var effective = (files ?? new TlsFiles()).Over(string.IsNullOrEmpty(fromEnvironment) ? null : new TlsFiles(fromEnvironment));
        // A file that could not be read is not remembered: it may be fixed while a process runs.
        return Loaded.GetOrAdd(effective, f => new Lazy<TlsContext>(() => Load(f), LazyThreadSafetyMode.PublicationOnly)).Value;
    }

    private static TlsContext Load(TlsFiles files)
    {
        X509Certificate2Collection? authorities = null;
        if (files.CaFile is { } caFile)
        {
            try
            {
                authorities = [];
                authorities.ImportFromPemFile(caFile);
                if (authorities.Count == 0)
                {
                    throw new InvalidDataException("it holds no PEM certificate");
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or InvalidDataException)
            {
                throw Errors.TlsFileUnreadable("CA file", caFile, e);
            }
        }
        X509Certificate2? client = null;
        if (files.CertificateFile is { } certificateFile)
        {
            try
            {
                client = X509Certificate2.CreateFromPemFile(certificateFile, files.KeyFile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
            {
                throw Errors.TlsFileUnreadable(files.KeyFile is null ? "client certificate (with its key)" : "client certificate or its key", files.KeyFile is null ? certificateFile : $"{certificateFile}', '{files.KeyFile}", e);
            }
        }
        else if (files.KeyFile is { } keyFile)
        {
            throw Errors.TlsKeyWithoutCertificate(keyFile);
        }
        return new TlsContext(files.CaFile, authorities, client);
    }

    /// <summary>
    /// The policy our own connection's handshake builds the server's chain with: the CA file as the
    /// only root, so the chain handed to <see cref="Check"/> is already the one to judge (no second
    /// build) and the system store is never read; null without a CA file (the system's CAs).
    /// </summary>
    public X509ChainPolicy? ChainPolicy()
    {
        if (_authorities is null)
        {
            return null;
        }
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.AddRange(_authorities);
        return policy;
    }

    /// <summary>
    /// Whether the certificate a server presented for <paramref name="host"/> is to be trusted; if
    /// not, <paramref name="why"/> says why (untrusted, expired, for another name).
    /// <paramref name="chainFromPolicy"/>: <paramref name="chain"/> was built with <see cref="ChainPolicy"/>, and is judged as it is.
    /// </summary>
    public bool Check(string host, X509Certificate? presented, X509Chain? chain, SslPolicyErrors errors, out string? why, bool chainFromPolicy = false)
    {
        why = null;
        if (_acceptAny)
        {
            return true;
        }
        if (presented is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            why = "the server presented no certificate";
            return false;
        }
        using var owned = presented as X509Certificate2 is null ? new X509Certificate2(presented) : null;
        var certificate = owned ?? (X509Certificate2)presented;
        X509ChainStatusFlags problems;
        if (_authorities is not null && !chainFromPolicy)
        {
            using var own = new X509Chain { ChainPolicy = ChainPolicy()! };
            if (chain is not null)
            {
                // The intermediates the server sent.
                own.ChainPolicy.ExtraStore.AddRange(chain.ChainPolicy.ExtraStore);
            }
            problems = own.Build(certificate) ? X509ChainStatusFlags.NoError : Flags(own.ChainStatus);
        }
        else
        {
            problems = errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors) ? Flags(chain?.ChainStatus ?? []) | X509ChainStatusFlags.PartialChain : X509ChainStatusFlags.NoError;
        }
        var described = $"subject '{certificate.Subject}', issued by '{certificate.Issuer}'";
        if (problems.HasFlag(X509ChainStatusFlags.NotTimeValid))
        {
            var now = DateTime.Now;
            why = certificate.NotAfter < now ? $"the server's certificate ({described}) expired on {Time(certificate.NotAfter)}"
                : certificate.NotBefore > now ? $"the server's certificate ({described}) is not valid before {Time(certificate.NotBefore)}"
                : $"a CA certificate above the server's ({described}) has expired or is not valid yet";
            return false;
        }
        if (problems != X509ChainStatusFlags.NoError)
        {
            why = _authorities is null
                ? $"the server's certificate ({described}) is not signed by a CA this system trusts; give the file of the CA that signs it"
                : $"the server's certificate ({described}) is not signed by the CA in '{CaFile}'";
            return false;
        }
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            why = $"the server's certificate is for {Names(certificate)}, not for {host}";
            return false;
        }
        return true;
    }

    private static X509ChainStatusFlags Flags(X509ChainStatus[] statuses)
    {
        var flags = X509ChainStatusFlags.NoError;
        foreach (var s in statuses)
        {
            flags |= s.Status;
        }
        return flags;
    }

    private static string Time(DateTime local) => local.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The names a certificate is for: its DNS names and IP addresses, else its subject's common name.</summary>
    internal static string Names(X509Certificate2 certificate)
    {
        var names = new List<string>();
        foreach (var extension in certificate.Extensions)
        {
            if (extension.Oid?.Value == "2.5.29.17")
            {
                var alternative = extension as X509SubjectAlternativeNameExtension ?? new X509SubjectAlternativeNameExtension(extension.RawData);
                names.AddRange(alternative.EnumerateDnsNames());
                names.AddRange(alternative.EnumerateIPAddresses().Select(a => a.ToString()));
            }
        }
        if (names.Count == 0)
        {
            names.Add(certificate.GetNameInfo(X509NameType.SimpleName, false));
        }
        return string.Join(", ", names);
    }

    /// <summary>A short description of the client certificate, for errors.</summary>
    public string ClientDescription => ClientCertificate is { } c ? $"subject '{c.Subject}', issued by '{c.Issuer}'" : "none";
}
