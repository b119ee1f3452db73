using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Kimi.Cluster.ServiceDefaults;

namespace Kimi.Cluster.Tests.Shared;

/// <summary>A certificate and its key as PEM files.</summary>
public sealed record CertificateFiles(string Certificate, string Key);

/// <summary>
/// Certificates for mutual-TLS tests, made in the test (no fixture files): a cluster CA and a
/// certificate it signs (serverAuth and clientAuth, as every process is both), and a stranger's
/// certificate signed by an unrelated CA. Written as PEM files to a temporary directory, removed
/// on dispose.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");

    private TestCertificates(string directory)
    {
        Directory = directory;
        Authority = Path.Combine(directory, "ca.crt");
        Member = new CertificateFiles(Path.Combine(directory, "tls.crt"), Path.Combine(directory, "tls.key"));
        Stranger = new CertificateFiles(Path.Combine(directory, "stranger.crt"), Path.Combine(directory, "stranger.key"));
    }

    public string Directory { get; }

    /// <summary>The cluster CA's certificate (--tls-ca).</summary>
    public string Authority { get; }

    /// <summary>A certificate the cluster CA signed (--tls-cert, --tls-key).</summary>
    public CertificateFiles Member { get; }

    /// <summary>A certificate an unrelated CA signed.</summary>
    public CertificateFiles Stranger { get; }

    /// <summary>The TLS a process configured with <see cref="Member"/> and <see cref="Authority"/> has.</summary>
    public ClusterTls ClusterTls() => ServiceDefaults.ClusterTls.FromFiles(Member.Certificate, Member.Key, Authority)!;

    /// <summary>The stranger's certificate with its key, to present as a client.</summary>
    public X509Certificate2 StrangerCertificate() => X509Certificate2.CreateFromPemFile(Stranger.Certificate, Stranger.Key);

    public static TestCertificates Create()
    {
        var certificates = new TestCertificates(System.IO.Directory.CreateTempSubdirectory("kimi-tls-").FullName);
        using var authorityKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var authority = NewAuthority("Kimi Cluster test CA", authorityKey);
        File.WriteAllText(certificates.Authority, authority.ExportCertificatePem());
        Issue(authority, "kimi-cluster-member", certificates.Member);
        using var strangerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var strangerAuthority = NewAuthority("Someone else's CA", strangerKey);
        Issue(strangerAuthority, "kimi-cluster-member", certificates.Stranger);
        return certificates;
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A temporary directory; the next run does not depend on it being gone.
        }
    }

    private static X509Certificate2 NewAuthority(string name, ECDsa key)
    {
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        // Outlives what it issues (a day from a later now): a certificate may not end after its issuer.
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(2));
    }

    private static void Issue(X509Certificate2 authority, string name, CertificateFiles files)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([ServerAuthentication, ClientAuthentication], false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.Create(authority, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(16));
        File.WriteAllText(files.Certificate, certificate.ExportCertificatePem());
        File.WriteAllText(files.Key, key.ExportPkcs8PrivateKeyPem());
    }
}
