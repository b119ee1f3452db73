using Kimi.Cluster.Router.Tests.Support;

namespace Kimi.Cluster.Router.Tests.EndToEnd;

/// <summary>
/// Moving the routed experts into expert workers changes where they run, not what they compute:
/// the same prompts give the same greedy tokens and logprobs with 0, 1, 2 and 3 expert workers,
/// one request at a time and several at once.
/// </summary>
[Trait("Needs", "Processes")]
[Collection(ExpertParallelCollection.Name)]
public sealed class ExpertParallelTests(ExpertParallelFixture clusters)
{
    /// <summary>Float32 sums in another order (per worker, then across workers) move logprobs by ~1e-6.</summary>
    private const double Tolerance = 1e-5;

    private static readonly int[][] Prompts =
    [
        [1, 17, 42, 99],
        [1, 5, 200, 7, 31, 64],
        [1, 250],
        [1, 3, 3, 3, 120, 77, 15, 9, 101, 44],
    ];

    [Fact]
    public async Task Checkpoint_GivesTheSameTokensAndLogprobsWith0To3ExpertWorkers_WhenOneRequestRunsAtATime()
    {
        var expected = await OneAtATimeAsync(clusters.Checkpoint[0]);

        foreach (var cluster in clusters.Checkpoint.Skip(1))
            AssertSame(expected, await OneAtATimeAsync(cluster), cluster);
    }

    [Fact]
    public async Task Checkpoint_GivesTheSameTokensAndLogprobsWith0To3ExpertWorkers_WhenRequestsAreConcurrent()
    {
        var expected = await OneAtATimeAsync(clusters.Checkpoint[0]);

        foreach (var cluster in clusters.Checkpoint)
            AssertSame(expected, await ConcurrentlyAsync(cluster), cluster);
    }

    [Fact]
    public async Task BuiltInTinyModel_GivesTheSameTokensAndLogprobsOver3ExpertWorkers()
    {
        var expected = await OneAtATimeAsync(clusters.BuiltInLocal);

        AssertSame(expected, await OneAtATimeAsync(clusters.BuiltInDistributed), clusters.BuiltInDistributed);
        AssertSame(expected, await ConcurrentlyAsync(clusters.BuiltInDistributed), clusters.BuiltInDistributed);
    }

    private static async Task<GreedyCompletion[]> OneAtATimeAsync(ClusterUnderTest cluster)
    {
        var results = new List<GreedyCompletion>();
        foreach (int[] prompt in Prompts)
            results.Add(await GreedyCompletion.RequestAsync(cluster.Http, prompt));
        return [.. results];
    }

    private static Task<GreedyCompletion[]> ConcurrentlyAsync(ClusterUnderTest cluster) =>
        Task.WhenAll(Prompts.Select(prompt => GreedyCompletion.RequestAsync(cluster.Http, prompt)));

    private static void AssertSame(GreedyCompletion[] expected, GreedyCompletion[] actual, ClusterUnderTest cluster)
    {
        for (int i = 0; i < Prompts.Length; i++)
            GreedyCompletion.AssertClose(expected[i], actual[i], Tolerance, $"{cluster.Label}, prompt {i}");
    }
}
