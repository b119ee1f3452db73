using System.Diagnostics;
using Grpc.Core;
using Kimi.Cluster.Router.Tests.Support;

namespace Kimi.Cluster.Router.Tests.EndToEnd;

/// <summary>With every shard on two expert workers, losing one worker loses no request and changes no token.</summary>
[Trait("Needs", "Processes")]
[Collection(ReplicatedClusterCollection.Name)]
public sealed class ExpertFailoverTests(ReplicatedClusterFixture fixture)
{
    private const double Tolerance = 1e-5;
    private static readonly TimeSpan PlacementUpdateTimeout = TimeSpan.FromSeconds(60);

    private static readonly int[][] Prompts = [[1, 17, 42, 99], [1, 5, 200, 7, 31, 64], [1, 250], [1, 9, 8, 7]];

    [Fact]
    public async Task Requests_CompleteWithTheSameTokens_WhenAnExpertWorkerIsKilled()
    {
        var cluster = fixture.Cluster;
        var spec = ExpertParallelFixture.Spec;
        int[] moeLayers = [.. Enumerable.Range(0, spec.NumHiddenLayers).Where(spec.IsMoeLayer)];
        await PlacementChecks.AssertLoadedOncePerReplicaAsync(cluster,
            ExpertPlacementTests.ExpertTensors(spec.NRoutedExperts, moeLayers), replicas: 2, (long)spec.MoeIntermediateSize * spec.HiddenSize * 2);
        var before = new List<GreedyCompletion>();
        foreach (int[] prompt in Prompts)
            before.Add(await GreedyCompletion.RequestAsync(cluster.Http, prompt));
        var victim = cluster.Experts[^1];
        long versionBefore = (await cluster.StatsAsync()).PlacementVersion;

        using (var process = Process.GetProcessById(victim.Pid))
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        for (int i = 0; i < Prompts.Length; i++)
            GreedyCompletion.AssertClose(before[i], await GreedyCompletion.RequestAsync(cluster.Http, Prompts[i]), Tolerance, $"prompt {i}, one at a time");
        var concurrent = await Task.WhenAll(Prompts.Select(prompt => GreedyCompletion.RequestAsync(cluster.Http, prompt)));
        for (int i = 0; i < Prompts.Length; i++)
            GreedyCompletion.AssertClose(before[i], concurrent[i], Tolerance, $"prompt {i}, concurrently");
        Assert.True((await cluster.StatsAsync()).Failovers >= 1, "no expert batch failed over, so the dead worker was never asked");
        await AssertPlacementMovesOnAsync(cluster, victim, versionBefore);
    }

    private static string PlacementLog(string output) => string.Join(Environment.NewLine, output.Split('\n')
        .Where(line => line.Contains("lacement", StringComparison.Ordinal) || line.Contains("fail", StringComparison.OrdinalIgnoreCase)));

    /// <summary>
    /// The failure was reported: the attention worker's table moves past the version it had before
    /// the kill, and lists the dead worker's endpoint only for shards it serves again (`local`
    /// restarts it on the same ports, and placement gives it its share back).
    /// </summary>
    private static async Task AssertPlacementMovesOnAsync(ClusterUnderTest cluster, LaunchedWorker victim, long versionBefore)
    {
        string endpoint = PlacementChecks.Normalize(victim.Address.ToString());
        var deadline = DateTime.UtcNow + PlacementUpdateTimeout;
        while (true)
        {
            var stats = await cluster.StatsAsync();
            var placedOnVictim = stats.Shards.Where(s => s.Endpoints.Select(PlacementChecks.Normalize).Contains(endpoint)).Select(s => s.Shard).ToHashSet();
            if (stats.PlacementVersion != versionBefore && (placedOnVictim.Count == 0 || await ServesAsync(cluster, victim, placedOnVictim)))
                return;
            Assert.True(DateTime.UtcNow < deadline,
                $"placement table v{stats.PlacementVersion} still lists {endpoint} for shards {string.Join(", ", placedOnVictim)} that it does not serve, " +
                $"{PlacementUpdateTimeout.TotalSeconds} s after it died; the router's placement and failure log:{Environment.NewLine}{PlacementLog(cluster.Output)}");
            await Task.Delay(500);
        }
    }

    private static async Task<bool> ServesAsync(ClusterUnderTest cluster, LaunchedWorker worker, IReadOnlySet<uint> shards)
    {
        try
        {
            var report = await cluster.LoadReportAsync(worker);
            return shards.IsSubsetOf(report.Shards.Select(s => s.Shard));
        }
        catch (RpcException)
        {
            return false; // not back yet
        }
    }
}
