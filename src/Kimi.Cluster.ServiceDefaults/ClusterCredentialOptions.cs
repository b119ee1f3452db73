using Grpc.Core;

namespace Kimi.Cluster.ServiceDefaults;

/// <summary>
/// What a host checks and presents to the cluster's other processes: the shared credential and the
/// TLS certificate; each null when none is configured.
/// </summary>
public sealed record ClusterCredentialOptions(ClusterCredential? Credential, ClusterTls? Tls = null)
{
    /// <summary>Adds the credential to outgoing call metadata (a channel's interceptor).</summary>
    public Metadata AddTo(Metadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (Credential is not null)
            metadata.Add(ClusterCredential.MetadataKey, Credential.Value);
        return metadata;
    }
}
