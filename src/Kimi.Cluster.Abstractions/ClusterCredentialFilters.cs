using Orleans;
using Orleans.Runtime;

namespace Kimi.Cluster.Abstractions;

/// <summary>
/// The cluster credential on grain calls: the outgoing filter (attention workers' clients and the
/// expert silos) puts it in the call's request context; the incoming filter (expert silos)
/// refuses a call to one of our grains that lacks it. So the Orleans gateway serves only our own
/// processes, even where its port can be reached.
/// </summary>
public static class ClusterCredentialFilters
{
    /// <summary>The request-context key (the same name as the gRPC metadata key).</summary>
    public const string Key = "x-kimi-cluster-credential";

    /// <summary>Presents <paramref name="credential"/> on every grain call this process makes.</summary>
    public sealed class Outgoing(string credential) : IOutgoingGrainCallFilter
    {
        public Task Invoke(IOutgoingGrainCallContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            RequestContext.Set(Key, credential);
            return context.Invoke();
        }
    }

    /// <summary>Refuses calls to our grains whose credential <paramref name="accepts"/> rejects; Orleans' own grains are not checked.</summary>
    public sealed class Incoming(Func<string?, bool> accepts) : IIncomingGrainCallFilter
    {
        public Task Invoke(IIncomingGrainCallContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            if (ClusterIdentity.IsOurs(context.InterfaceMethod?.DeclaringType) && !accepts(RequestContext.Get(Key) as string))
            {
                throw new UnauthorizedAccessException(
                    $"{context.InterfaceMethod!.DeclaringType!.Name}.{context.InterfaceMethod.Name} serves only the cluster's own processes: the call has no valid cluster credential");
            }
            return context.Invoke();
        }
    }
}
