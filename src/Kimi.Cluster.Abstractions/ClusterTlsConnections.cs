using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;
using Orleans.Hosting;

namespace Kimi.Cluster.Abstractions;

/// <summary>
/// Orleans' TLS for our silos and clients (silo-to-silo and gateway traffic): this process's
/// certificate presented both ways, and a peer accepted only when the cluster's check (its CA's
/// signature) accepts its certificate. The hosts pass the certificate and the check in, so this
/// project needs no hosting types.
/// </summary>
public static class ClusterTlsConnections
{
    /// <summary>A silo's connections (to silos and from clients) use TLS with <paramref name="certificate"/>, accepting peers <paramref name="trusts"/> accepts.</summary>
    public static ISiloBuilder UseClusterTls(this ISiloBuilder silo, X509Certificate2 certificate, Func<X509Certificate2, X509Chain?, bool> trusts) =>
        silo.UseTls(certificate, connection => Configure(connection, certificate, trusts));

    /// <summary>A client's connections to the gateways use TLS the same way.</summary>
    public static IClientBuilder UseClusterTls(this IClientBuilder client, X509Certificate2 certificate, Func<X509Certificate2, X509Chain?, bool> trusts) =>
        client.UseTls(certificate, connection => Configure(connection, certificate, trusts));

    private static void Configure(TlsOptions options, X509Certificate2 certificate, Func<X509Certificate2, X509Chain?, bool> trusts)
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
