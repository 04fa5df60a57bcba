using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// Throwaway PEM files for TLS tests, made with CertificateRequest (ECDSA P-256, fast to make): a CA,
/// server certificates signed by it (for 127.0.0.1 and localhost, for another name, expired), a
/// client certificate, and a second CA that signed nothing the servers trust. Keys are mode 600.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private TestCertificates(string dir) => Directory = dir;

    public string Directory { get; }

    public string CaFile => Path.Combine(Directory, "ca.crt");

    public string OtherCaFile => Path.Combine(Directory, "other-ca.crt");

    public (string Cert, string Key) Server => Pair("server");

    public (string Cert, string Key) WrongNameServer => Pair("wrong-name");

    public (string Cert, string Key) ExpiredServer => Pair("expired");

    public (string Cert, string Key) Client => Pair("client");

    /// <summary>A client certificate that the servers' CA did not sign.</summary>
    public (string Cert, string Key) StrangerClient => Pair("stranger");

    public const string ServerSubject = "CN=sysops-fast test server";

    public const string WrongName = "elsewhere.example.org";

    private (string, string) Pair(string name) => (Path.Combine(Directory, name + ".crt"), Path.Combine(Directory, name + ".key"));

    public static TestCertificates Create()
    {
        var made = new TestCertificates(System.IO.Directory.CreateTempSubdirectory("sysops-fast-tls-").FullName);
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = Authority("CN=sysops-fast test CA", caKey, now);
        File.WriteAllText(made.CaFile, ca.ExportCertificatePem());
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = Authority("CN=sysops-fast stranger CA", otherKey, now);
        File.WriteAllText(made.OtherCaFile, other.ExportCertificatePem());

        made.Issue("server", ServerSubject, ca, now.AddDays(-1), now.AddDays(2), server: true, dns: ["localhost"], ip: [IPAddress.Loopback]);
        made.Issue("wrong-name", "CN=" + WrongName, ca, now.AddDays(-1), now.AddDays(2), server: true, dns: [WrongName], ip: []);
        made.Issue("expired", ServerSubject, ca, now.AddDays(-10), now.AddDays(-1), server: true, dns: ["localhost"], ip: [IPAddress.Loopback]);
        made.Issue("client", "CN=sysops-fast test client", ca, now.AddDays(-1), now.AddDays(2), server: false, dns: [], ip: []);
        made.Issue("stranger", "CN=sysops-fast stranger client", other, now.AddDays(-1), now.AddDays(2), server: false, dns: [], ip: []);
        return made;
    }

    private static X509Certificate2 Authority(string subject, ECDsa key, DateTimeOffset now)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(now.AddDays(-30), now.AddDays(30));
    }

    private void Issue(string name, string subject, X509Certificate2 issuer, DateTimeOffset notBefore, DateTimeOffset notAfter, bool server, string[] dns, IPAddress[] ip)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        // A server certificate is a client one too: cluster nodes present it to each other over the TLS bus.
        OidCollection usages = server ? [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")] : [new Oid("1.3.6.1.5.5.7.3.2")];
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, false));
        if (dns.Length + ip.Length > 0)
        {
            var names = new SubjectAlternativeNameBuilder();
            foreach (var d in dns)
            {
                names.AddDnsName(d);
            }
            foreach (var a in ip)
            {
                names.AddIpAddress(a);
            }
            request.CertificateExtensions.Add(names.Build());
        }
        using var issuerKey = issuer.GetECDsaPrivateKey()!;
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        using var certificate = request.Create(issuer.SubjectName, X509SignatureGenerator.CreateForECDsa(issuerKey), notBefore, notAfter, serial);
        var (certFile, keyFile) = Pair(name);
        File.WriteAllText(certFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
