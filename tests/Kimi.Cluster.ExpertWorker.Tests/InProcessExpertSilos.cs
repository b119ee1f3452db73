using Kimi.Cluster.ExpertWorker.Cli;
using Kimi.Cluster.ExpertWorker.Hosting;
using Kimi.Cluster.Model.Checkpoints;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Kimi.Cluster.ExpertWorker.Tests;

/// <summary>
/// Expert-worker silos in the test process: the built-in tiny model, our shard grains, placement
/// and rebalancer. Each silo's data plane is only a name ("http://" + the silo's name).
/// </summary>
public static class InProcessExpertSilos
{
    /// <param name="perSilo">Changes to a silo's options, by its name (its --shard-budget, say).</param>
    public static async Task<InProcessTestCluster> StartAsync(
        int silos, int shards, int replicas, RebalanceOptions? rebalance = null, Func<string, ExpertWorkerOptions, ExpertWorkerOptions>? perSilo = null)
    {
        var builder = new InProcessTestClusterBuilder((short)silos);
        builder.ConfigureSilo((silo, orleans) =>
        {
            var options = new ExpertWorkerOptions(null, silo.SiloPort, silo.GatewayPort, 0, 0, shards, replicas, ParentPid: null)
            {
                Rebalance = rebalance ?? new RebalanceOptions(),
            };
            options = perSilo?.Invoke(silo.SiloName, options) ?? options;
            ExpertWorkerHost.AddExpertShards(orleans, new ModelSource(null), options);
            var endpoint = new DataPlaneEndpoint();
            endpoint.Set($"http://{silo.SiloName}");
            orleans.Services.AddSingleton(endpoint);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        // Placement uses a silo once its grain manifest has spread: wait for that, so a first table
        // spreads over every silo even on a busy machine.
        await cluster.WaitForClusterManifestToStabilizeAsync();
        return cluster;
    }
}
