using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Kimi.Cluster.ServiceDefaults;

/// <summary>
/// Mutual TLS between our own processes: each serves its internal gRPC port over TLS and presents
/// its certificate on the calls it makes, and each side accepts the other only with a certificate
/// that the cluster's CA signed. Trust is the CA's signature, not a host name: Orleans reaches
/// silos by IP and pods come and go, so certificates need no particular names (they do need the
/// serverAuth and clientAuth usages, or none). From PEM files: `--tls-cert`, `--tls-key`, `--tls-ca`.
/// </summary>
public sealed class ClusterTls
{
    private ClusterTls(X509Certificate2 certificate, X509Certificate2Collection authorities, IReadOnlyList<string> arguments)
    {
        Certificate = certificate;
        Authorities = authorities;
        Arguments = arguments;
    }

    /// <summary>This process's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The CA certificates a peer's certificate must chain to.</summary>
    public X509Certificate2Collection Authorities { get; }

    /// <summary>The options that gave this TLS, for the worker processes `local` starts.</summary>
    public IReadOnlyList<string> Arguments { get; }

    /// <summary>
    /// The TLS the three options give, or null when none is given. Some but not all of them, a file
    /// that cannot be read, or a certificate the CA did not sign throws <see cref="ClusterTlsException"/>
    /// naming the option.
    /// </summary>
    public static ClusterTls? FromFiles(string? certificateFile, string? keyFile, string? authorityFile)
    {
        string?[] given = [certificateFile, keyFile, authorityFile];
        if (given.All(string.IsNullOrWhiteSpace))
            return null;
        if (given.Any(string.IsNullOrWhiteSpace))
            throw new ClusterTlsException("--tls-cert, --tls-key and --tls-ca go together: give all three or none");
        var certificate = Read("--tls-cert/--tls-key", () => X509Certificate2.CreateFromPemFile(certificateFile!, keyFile));
        if (!certificate.HasPrivateKey)
            throw new ClusterTlsException($"--tls-key {keyFile}: no private key for the certificate");
        var authorities = new X509Certificate2Collection();
        Read("--tls-ca", () => { authorities.ImportFromPemFile(authorityFile!); return authorities; });
        if (authorities.Count == 0)
            throw new ClusterTlsException($"--tls-ca {authorityFile}: no certificate in the file");
        var tls = new ClusterTls(certificate, authorities,
            ["--tls-cert", Path.GetFullPath(certificateFile!), "--tls-key", Path.GetFullPath(keyFile!), "--tls-ca", Path.GetFullPath(authorityFile!)]);
        if (!tls.Trusts(certificate))
            throw new ClusterTlsException($"--tls-cert {certificateFile}: not signed by the CA in --tls-ca {authorityFile} (or expired), so no peer would accept it");
        return tls;
    }

    /// <summary>
    /// Reads the three options (null when none is given); a bad one is reported on stderr and gives
    /// false, so that a process refuses to start with a clear reason.
    /// </summary>
    public static bool TryRead(string? certificateFile, string? keyFile, string? authorityFile, out ClusterTls? tls)
    {
        try
        {
            tls = FromFiles(certificateFile, keyFile, authorityFile);
            return true;
        }
        catch (ClusterTlsException error)
        {
            Console.Error.WriteLine($"Cannot start: {error.Message}");
            tls = null;
            return false;
        }
    }

    /// <summary>Whether <paramref name="peer"/> chains to one of <see cref="Authorities"/> and is valid now.</summary>
    /// <param name="presented">The chain the peer sent, whose intermediates may be needed.</param>
    public bool Trusts(X509Certificate2? peer, X509Chain? presented = null)
    {
        if (peer is null)
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(Authorities);
        // The cluster's own CA publishes no revocation lists; rotation replaces certificates instead.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        }
        return chain.Build(peer);
    }

    /// <summary>Serves <paramref name="listen"/> over TLS, requiring a client certificate the CA signed.</summary>
    public void Serve(ListenOptions listen)
    {
        ArgumentNullException.ThrowIfNull(listen);
        listen.UseHttps(new HttpsConnectionAdapterOptions
        {
            ServerCertificate = Certificate,
            ClientCertificateMode = ClientCertificateMode.RequireCertificate,
            ClientCertificateValidation = (certificate, chain, _) => Trusts(certificate, chain),
        });
    }

    /// <summary>Makes <paramref name="handler"/> present this certificate and accept only servers the CA signed.</summary>
    public SocketsHttpHandler Present(SocketsHttpHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        handler.SslOptions = new SslClientAuthenticationOptions
        {
            ClientCertificates = new X509CertificateCollection { Certificate },
            // Name mismatches are expected (see the class remarks): the CA's signature decides.
            RemoteCertificateValidationCallback = (_, certificate, chain, _) => Trusts(certificate as X509Certificate2, chain),
        };
        return handler;
    }

    /// <summary>
    /// <paramref name="address"/> with the scheme this cluster speaks: https with TLS; an https
    /// address without it, or an http one with it, is a configuration error named here.
    /// </summary>
    public static Uri Expect(ClusterTls? tls, Uri address, string what)
    {
        ArgumentNullException.ThrowIfNull(address);
        string scheme = tls is null ? Uri.UriSchemeHttp : Uri.UriSchemeHttps;
        if (address.Scheme != scheme)
            throw new ClusterTlsException(tls is null
                ? $"{what} {address} is https, but this process has no --tls-cert/--tls-key/--tls-ca"
                : $"{what} {address} is http, but this cluster uses TLS (--tls-cert): use https");
        return address;
    }

    private static T Read<T>(string option, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new ClusterTlsException($"{option}: {error.Message}", error);
        }
    }

    public override string ToString() => $"cluster TLS ({Certificate.Subject}, {Authorities.Count} CA certificate(s))";
}
