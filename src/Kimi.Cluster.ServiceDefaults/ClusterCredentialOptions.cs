using Grpc.Core;

namespace Kimi.Cluster.ServiceDefaults;

/// <summary>The credential a host checks and presents; null when none is configured.</summary>
public sealed record ClusterCredentialOptions(ClusterCredential? Credential)
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
