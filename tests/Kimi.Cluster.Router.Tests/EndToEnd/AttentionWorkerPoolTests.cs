using Grpc.Core;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Router.Tests.Support;
using Kimi.Cluster.Tests.Shared.Reference;

namespace Kimi.Cluster.Router.Tests.EndToEnd;

/// <summary>`local --attention-workers 2`: one router routing over two attention-worker processes.</summary>
[Trait("Needs", "Processes")]
public sealed class AttentionWorkerPoolTests
{
    private const int MaxTokens = 6;
    private static readonly int[][] Prompts = [[1, 17, 42, 99], [5, 6, 7], [100, 3, 9, 27, 81], [2]];

    [Fact]
    public async Task TwoAttentionWorkers_MatchOneWorkerSpreadRequestsAndPassHealthGenerate()
    {
        // A tiny checkpoint without tokenizer files: the router then deals in token ids only.
        using var checkpoint = new TempDirectory("kimi-pool-checkpoint");
        TinyCheckpointWriter.Write(checkpoint.Path, ExpertParallelFixture.Spec, new TinyCheckpointOptions { LmHeadGain = 3 });
        await using var cluster = await ClusterUnderTest.StartAsync(
            "2 attention workers", "--model", checkpoint.Path, "--attention-workers", "2");
        Assert.Equal(2, cluster.AttentionWorkers.Count);

        foreach (int[] prompt in Prompts)
        {
            var direct = await GreedyReference.AtWorkerAsync(cluster, cluster.AttentionWorkers[0], prompt, MaxTokens);
            Assert.Equal(direct, await GreedyReference.AtWorkerAsync(cluster, cluster.AttentionWorkers[1], prompt, MaxTokens));
            // Consecutive requests to an idle pool alternate between the workers.
            for (int repeat = 0; repeat < 2; repeat++)
            {
                var routed = GreedyReference.TokenIds(await GreedyReference.GreedyTextAsync(cluster.Http, prompt, MaxTokens));
                Assert.True(direct.SequenceEqual(routed), $"prompt [{string.Join(",", prompt)}]: router gave [{string.Join(",", routed)}], a worker alone [{string.Join(",", direct)}]");
            }
        }
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            GreedyReference.GreedyTextAsync(cluster.Http, Prompts[i % Prompts.Length], MaxTokens)));
        Assert.All(concurrent, text => Assert.Equal(MaxTokens, GreedyReference.TokenIds(text).Count));

        var (healthStatus, health) = await RouterApi.GetAsync(cluster.Http, "/health");
        Assert.Equal(200, healthStatus);
        var workers = health["attention_workers"]!.AsArray();
        Assert.Equal(2, workers.Count);
        Assert.All(workers, worker =>
        {
            Assert.True((bool)worker!["ready"]!, health.ToJsonString());
            Assert.True((long)worker["routed"]! >= 4, health.ToJsonString());
            Assert.Equal(0, (int)worker["in_flight"]!);
        });
        var (generateStatus, generate) = await RouterApi.GetAsync(cluster.Http, "/health_generate");
        Assert.True(generateStatus == 200, generate.ToJsonString());
    }
}
