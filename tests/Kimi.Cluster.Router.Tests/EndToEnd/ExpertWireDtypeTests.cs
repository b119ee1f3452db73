using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Router.Tests.Support;

namespace Kimi.Cluster.Router.Tests.EndToEnd;

/// <summary>
/// `--expert-wire-dtype bfloat16` halves the activation bytes each (token, expert worker) pair
/// costs both ways, as the attention worker's GetStats counters show, and still serves.
/// </summary>
[Trait("Needs", "Processes")]
public sealed class ExpertWireDtypeTests
{
    [Fact]
    public async Task Bfloat16Activations_TakeHalfTheBytesOfFloat32BothWays()
    {
        var float32 = ClusterUnderTest.StartAsync("float32 wire", "--expert-workers", "1");
        var bfloat16 = ClusterUnderTest.StartAsync("bfloat16 wire", "--expert-workers", "1", "--expert-wire-dtype", "bfloat16");
        await using var exact = await float32;
        await using var halved = await bfloat16;

        var (exactSent, exactReceived, exactPairs) = await BytesPerPairAsync(exact);
        var (halvedSent, halvedReceived, halvedPairs) = await BytesPerPairAsync(halved);

        long hidden = (await exact.StatsAsync()).HiddenSize;
        Assert.Equal(exactPairs, halvedPairs);
        Assert.Equal(hidden * sizeof(float), exactSent);
        Assert.Equal(hidden * sizeof(float), exactReceived);
        Assert.Equal(exactSent / 2, halvedSent);
        Assert.Equal(exactReceived / 2, halvedReceived);
    }

    /// <summary>Activation bytes sent and received per (token, expert worker) pair over one greedy completion.</summary>
    private static async Task<(long Sent, long Received, long Pairs)> BytesPerPairAsync(ClusterUnderTest cluster)
    {
        var before = await cluster.StatsAsync();
        var completion = await GreedyCompletion.RequestAsync(cluster.Http, [1, 17, 42, 99, 5]);
        var after = await cluster.StatsAsync();
        Assert.Equal(GreedyCompletion.MaxTokens, completion.Tokens.Count);
        long pairs = Delta(before, after, s => s.RoutedTokenWorkers);
        Assert.True(pairs > 0, cluster.Label);
        return (Delta(before, after, s => s.ActivationBytesSent) / pairs, Delta(before, after, s => s.ActivationBytesReceived) / pairs, pairs);
    }

    private static long Delta(WorkerStats before, WorkerStats after, Func<WorkerStats, ulong> counter) =>
        (long)(counter(after) - counter(before));
}
