using Grpc.Core;
using Kimi.Cluster.AttentionWorker.Experts;
using Kimi.Cluster.AttentionWorker.Hosting;
using Kimi.Cluster.AttentionWorker.Tests.Support;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Model.Checkpoints;

namespace Kimi.Cluster.AttentionWorker.Tests.Services;

/// <summary>
/// The worker's gRPC host with the tiny model's routed experts behind the data plane (stand-in
/// expert workers): requests complete and are counted, or fail with a status naming the layer.
/// </summary>
public sealed class RemoteExpertsWorkerTests
{
    /// <summary>The built-in tiny model: 16 routed experts, top-4, MoE layers 1 and 2, hidden size 64.</summary>
    private const int Experts = 16, TopK = 4, MoeLayers = 2, Hidden = 64;

    [Fact]
    public async Task Generate_CompletesAndGetStatsCountsTheDataPlane_WhenTheExpertsAreRemote()
    {
        await using var expertWorker = await StandInDataPlane.StartAsync();
        var table = FixedPlacement.Build(7, Experts, [expertWorker.Endpoint]);
        await using var worker = await StartWorkerAsync(new FixedPlacement(table));
        var request = Calls.Greedy(5, 1, 20, 300);
        request.IgnoreEos = true;

        var tokens = Calls.TokenIds(await Calls.GenerateAllAsync(worker.Client, request));
        var stats = await worker.Client.GetStatsAsync(new GetStatsRequest());

        Assert.Equal(5, tokens.Count);
        Assert.True(stats.ExpertParallel);
        Assert.Equal(7, stats.PlacementVersion);
        var shard = Assert.Single(stats.Shards);
        Assert.Equal([expertWorker.Endpoint], shard.Endpoints);
        Assert.Equal(Enumerable.Range(0, Experts).Select(e => (uint)e), shard.ExpertIds);
        // 3 prompt tokens, then 4 decode steps of 1 token, through 2 MoE layers.
        ulong layerTokens = (3 + 4) * MoeLayers;
        Assert.Equal(5ul * MoeLayers, stats.LayerExchanges);
        Assert.Equal(stats.LayerExchanges, stats.ExpertBatches);
        Assert.Equal(layerTokens, stats.RoutedTokenWorkers);
        Assert.Equal(layerTokens * TopK, stats.RoutedTokenExperts);
        Assert.Equal(layerTokens * Hidden * sizeof(float), stats.ActivationBytesSent);
        Assert.Equal(stats.ActivationBytesSent, stats.ActivationBytesReceived);
        Assert.Equal((uint)Hidden, stats.HiddenSize);
    }

    [Fact]
    public async Task Generate_FailsWithAStatusNamingTheLayerAndWorker_WhenTheExpertsCannotBeReached()
    {
        string dead = StandInDataPlane.DeadEndpoint();
        await using var worker = await StartWorkerAsync(new FixedPlacement(FixedPlacement.Build(1, Experts, [dead])));

        var error = await Assert.ThrowsAsync<RpcException>(() => Calls.GenerateAllAsync(worker.Client, Calls.Greedy(3, 1, 2, 3)));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.Contains("MoE layer 1", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains(dead, error.Status.Detail, StringComparison.Ordinal);
    }

    private static Task<WorkerServer> StartWorkerAsync(FixedPlacement placement) =>
        WorkerServer.StartAsync(services =>
        {
            ExpertParallelServices.Add(services, placement, placement.Table, TimeSpan.FromSeconds(5), failurePatience: TimeSpan.FromSeconds(1));
            WorkerHost.AddEngine(services, new ModelSource(null));
        });
}
