using Kimi.Cluster.ServiceDefaults;
using Kimi.Cluster.Tests.Shared;

namespace Kimi.Cluster.Router.Tests.Hosting;

public sealed class ClusterTlsTests
{
    [Fact]
    public void FromFiles_GivesNone_WithoutOptions_AndTrustsOnlyWhatTheCaSigned()
    {
        using var certificates = TestCertificates.Create();

        Assert.Null(ClusterTls.FromFiles(null, null, null));
        var tls = certificates.ClusterTls();
        Assert.True(tls.Trusts(tls.Certificate));
        using var stranger = certificates.StrangerCertificate();
        Assert.False(tls.Trusts(stranger));
        Assert.False(tls.Trusts(null));
        Assert.Equal(["--tls-cert", certificates.Member.Certificate, "--tls-key", certificates.Member.Key, "--tls-ca", certificates.Authority], tls.Arguments);
    }

    [Fact]
    public void FromFiles_WantsAllThreeOptions()
    {
        using var certificates = TestCertificates.Create();

        var error = Assert.Throws<ClusterTlsException>(() => ClusterTls.FromFiles(certificates.Member.Certificate, certificates.Member.Key, null));

        Assert.Contains("--tls-cert, --tls-key and --tls-ca go together", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromFiles_RefusesACertificateTheCaDidNotSign()
    {
        using var certificates = TestCertificates.Create();

        var error = Assert.Throws<ClusterTlsException>(() => ClusterTls.FromFiles(certificates.Stranger.Certificate, certificates.Stranger.Key, certificates.Authority));

        Assert.Contains($"--tls-cert {certificates.Stranger.Certificate}: not signed by the CA", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromFiles_NamesTheOption_WhenAFileIsNotPem()
    {
        using var certificates = TestCertificates.Create();
        string notPem = Path.Combine(certificates.Directory, "not.pem");
        File.WriteAllText(notPem, "not a certificate");

        var error = Assert.Throws<ClusterTlsException>(() => ClusterTls.FromFiles(certificates.Member.Certificate, certificates.Member.Key, notPem));

        Assert.Contains("--tls-ca", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Expect_WantsHttpsWithTls_AndHttpWithout()
    {
        using var certificates = TestCertificates.Create();
        var tls = certificates.ClusterTls();

        Assert.Equal("https", ClusterTls.Expect(tls, new Uri("https://10.0.0.5:50051"), "the worker").Scheme);
        Assert.Equal("http", ClusterTls.Expect(null, new Uri("http://10.0.0.5:50051"), "the worker").Scheme);
        Assert.Contains("is http, but this cluster uses TLS",
            Assert.Throws<ClusterTlsException>(() => ClusterTls.Expect(tls, new Uri("http://10.0.0.5:50051"), "the worker")).Message, StringComparison.Ordinal);
        Assert.Contains("is https, but this process has no --tls-cert",
            Assert.Throws<ClusterTlsException>(() => ClusterTls.Expect(null, new Uri("https://10.0.0.5:50051"), "the worker")).Message, StringComparison.Ordinal);
    }
}
