using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;

namespace Kimi.Cluster.Abstractions;

/// <summary>
/// Orleans' TLS for our silos and clients (silo-to-silo and gateway traffic): this process's
/// certificate presented both ways, and a peer accepted only when the cluster's check (its CA's
/// signature) accepts its certificate. The hosts pass the certificate and the check in, so this
/// project needs no hosting types.
/// </summary>
public static class ClusterTlsConnections
{
    public static void Configure(TlsOptions options, X509Certificate2 certificate, Func<X509Certificate2, X509Chain?, bool> trusts)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(trusts);
        options.LocalCertificate = certificate;
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        // Name mismatches are expected (silos are reached by IP): the CA's signature decides.
        options.RemoteCertificateValidation = (peer, chain, _) => trusts(peer, chain);
    }
}
