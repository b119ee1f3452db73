using System.Net;
using Kimi.Cluster.Abstractions;
using Kimi.Cluster.ExpertWorker.Cli;
using Orleans.Configuration;

namespace Kimi.Cluster.ExpertWorker.Hosting;

/// <summary>
/// How this silo finds the others: localhost clustering (`local`'s default: the launcher hosts
/// the primary silo) or a Redis membership table (silos on several machines or pods), plus Orleans'
/// Kubernetes hosting when the process runs in a pod.
/// </summary>
public static class SiloMembership
{
    /// <summary>Set in every Kubernetes container; Orleans' Kubernetes hosting needs the API server it names.</summary>
    public const string KubernetesEnvironmentVariable = "KUBERNETES_SERVICE_HOST";

    public static bool InKubernetes => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(KubernetesEnvironmentVariable));

    public static void Configure(ISiloBuilder silo, ExpertWorkerOptions options)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(options);
        if (options.OrleansRedis is null)
        {
            silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort,
                new IPEndPoint(IPAddress.Loopback, options.PrimarySiloPort), ClusterIdentity.ServiceId, ClusterIdentity.ClusterId);
            return;
        }
        silo.UseRedisClustering(options.OrleansRedis);
        silo.Configure<ClusterOptions>(cluster =>
            (cluster.ServiceId, cluster.ClusterId) = (ClusterIdentity.ResolveServiceId(), ClusterIdentity.ResolveClusterId()));
        silo.ConfigureEndpoints(options.Advertised, options.SiloPort, options.GatewayPort,
            listenOnAnyHostAddress: options.Listen.Equals(IPAddress.Any));
        // Only in a pod: outside one, the package's agent has no API server to watch and its
        // option checks (POD_NAMESPACE, POD_NAME) would fail the silo's start.
        if (InKubernetes)
            silo.UseKubernetesHosting();
    }
}
