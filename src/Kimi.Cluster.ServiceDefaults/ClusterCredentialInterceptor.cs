using Grpc.Core;

namespace Kimi.Cluster.ServiceDefaults;

/// <summary>
/// Refuses calls to a worker's service that do not carry the cluster credential in their
/// <see cref="ClusterCredential.MetadataKey"/> metadata: UNAUTHENTICATED, before the service sees
/// the request. Registered on the services our own processes call (the attention worker's
/// generation service, the expert data plane); health checks stay open. Without a credential
/// configured, every call passes (the host logs a warning at start).
/// </summary>
public sealed class ClusterCredentialInterceptor(ClusterCredentialOptions options) : CallCheckInterceptor
{
    protected override void Check(ServerCallContext context)
    {
        if (options.Credential is not { } credential)
            return;
        if (!credential.Accepts(context.RequestHeaders.GetValue(ClusterCredential.MetadataKey)))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated,
                $"this worker serves only the cluster's own processes: the call has no valid cluster credential ({ClusterCredential.MetadataKey} metadata)"));
        }
    }
}
