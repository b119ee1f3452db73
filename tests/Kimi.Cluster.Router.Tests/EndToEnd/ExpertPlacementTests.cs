using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Router.Tests.Support;

namespace Kimi.Cluster.Router.Tests.EndToEnd;

/// <summary>
/// Each expert worker loads only the shards placement gave it, and together they load every
/// expert tensor once (per replica): checked against the workers' own load accounting.
/// </summary>
[Trait("Needs", "Processes")]
[Collection(ExpertParallelCollection.Name)]
public sealed class ExpertPlacementTests(ExpertParallelFixture clusters)
{
    private static readonly string[] Projections = ["gate_proj", "up_proj", "down_proj"];

    [Fact]
    public async Task CheckpointExpertTensors_AreEachLoadedOnceByTheWorkerOwningTheirShard()
    {
        var spec = ExpertParallelFixture.Spec;
        // gate/up are [moe_intermediate, hidden], down the transpose; bf16 is 2 bytes.
        long bytesPerTensor = (long)spec.MoeIntermediateSize * spec.HiddenSize * 2;
        foreach (var cluster in clusters.Checkpoint.Skip(1))
            await PlacementChecks.AssertLoadedOncePerReplicaAsync(cluster, ExpertTensors(spec.NRoutedExperts, MoeLayers()), replicas: 1, bytesPerTensor);
    }

    [Fact]
    public async Task BuiltInExpertTensors_AreEachLoadedOnceByTheWorkerOwningTheirShard()
    {
        // The built-in tiny model: 16 experts, MoE layers 1 and 2; its weights are generated, not read (0 bytes).
        await PlacementChecks.AssertLoadedOncePerReplicaAsync(
            clusters.BuiltInDistributed, ExpertTensors(16, [1, 2]), replicas: 1, bytesPerTensor: 0);
    }

    [Fact]
    public async Task BytesOnTheWirePerMoeLayer_AreRoutedTokenWorkerPairsTimesHiddenSizeTimes4()
    {
        for (int workers = 1; workers <= 3; workers++)
            await AssertWireBytesAsync(clusters.Checkpoint[workers], workers);
    }

    private static async Task AssertWireBytesAsync(ClusterUnderTest cluster, int workers)
    {
        var spec = ExpertParallelFixture.Spec;
        int[] prompt = [1, 17, 42, 99, 5];
        int moeLayers = MoeLayers().Length, topK = spec.NumExpertsPerTok, hidden = spec.HiddenSize;
        var before = await cluster.StatsAsync();
        await GreedyCompletion.RequestAsync(cluster.Http, prompt);
        var after = await cluster.StatsAsync();

        // Every forward pass sends each token once through each MoE layer: the prompt, then one token per decode step.
        long layerTokens = (long)(prompt.Length + GreedyCompletion.MaxTokens - 1) * moeLayers;
        long exchanges = Delta(before, after, s => s.LayerExchanges);
        long batches = Delta(before, after, s => s.ExpertBatches);
        long tokenWorkers = Delta(before, after, s => s.RoutedTokenWorkers);
        long tokenExperts = Delta(before, after, s => s.RoutedTokenExperts);
        string context = $"{cluster.Label}: {tokenWorkers} (token, worker) pairs, {tokenExperts} (token, expert) pairs, {batches} batches";
        Assert.True(after.ExpertParallel, context);
        Assert.Equal((uint)hidden, after.HiddenSize);
        Assert.Equal(0, Delta(before, after, s => s.Failovers));
        Assert.Equal(GreedyCompletion.MaxTokens * moeLayers, exchanges);
        Assert.Equal(layerTokens * topK, tokenExperts);
        Assert.InRange(batches, exchanges, exchanges * workers);
        // A token goes to each worker holding one of its experts once, however many of its experts that worker holds.
        Assert.InRange(tokenWorkers, layerTokens, layerTokens * Math.Min(topK, workers));
        if (workers == 1)
            Assert.Equal(layerTokens, tokenWorkers);

        long activation = tokenWorkers * hidden * sizeof(float);
        Assert.Equal(activation, Delta(before, after, s => s.ActivationBytesSent));
        Assert.Equal(activation, Delta(before, after, s => s.ActivationBytesReceived));
        // Around the activations: per message the gRPC prefix and protobuf tags and lengths (≤ 48
        // bytes), per token its pair count (1 byte), per pair an expert id (≤ 2) and a gate weight (4).
        long sentOverhead = Delta(before, after, s => s.BytesSent) - activation;
        long receivedOverhead = Delta(before, after, s => s.BytesReceived) - activation;
        Assert.InRange(sentOverhead, batches * 5 + tokenExperts * 5, batches * 48 + tokenWorkers + tokenExperts * 6);
        Assert.InRange(receivedOverhead, batches * 5, batches * 24);
    }

    private static long Delta(WorkerStats before, WorkerStats after, Func<WorkerStats, ulong> counter) =>
        (long)(counter(after) - counter(before));

    private static int[] MoeLayers() =>
        [.. Enumerable.Range(0, ExpertParallelFixture.Spec.NumHiddenLayers).Where(ExpertParallelFixture.Spec.IsMoeLayer)];

    /// <summary>expert id → the names of its tensors in every MoE layer, as the checkpoint names them.</summary>
    public static IReadOnlyDictionary<int, string[]> ExpertTensors(int experts, int[] moeLayers) =>
        Enumerable.Range(0, experts).ToDictionary(e => e, e =>
            moeLayers.SelectMany(layer => Projections.Select(p => $"model.layers.{layer}.mlp.experts.{e}.{p}.weight")).ToArray());
}
