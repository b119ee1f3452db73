using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Router.Tests.Support;
using Kimi.Cluster.Tests.Shared.Reference;
using Xunit.Abstractions;

namespace Kimi.Cluster.Router.Tests.EndToEnd;

/// <summary>
/// A live rebalance under continuous load: a checkpoint whose gates pick experts 0–2 for nearly
/// every token (each a quarter of the routed pairs, all in shard 0 of 8, where a shard's even
/// share is an eighth) over two expert workers, the rebalancer asked to act through the admin
/// service. The hot experts must gain replicas, the shards' imbalance drops, each worker ends up
/// holding exactly what the new table places on it, and no request fails or changes a token
/// meanwhile.
/// </summary>
[Trait("Needs", "Processes")]
[Trait("Speed", "Slow")]
public sealed class ExpertRebalanceTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const double Tolerance = 1e-5;
    private const int Clients = 4;
    private static readonly int[] HotExperts = [0, 1, 2];
    private readonly TempDirectory _checkpoint = new("kimi-rebalance");
    private ClusterUnderTest _cluster = null!; // set in InitializeAsync

    public async Task InitializeAsync()
    {
        TinyCheckpointWriter.Write(_checkpoint.Path, ExpertParallelFixture.Spec, new TinyCheckpointOptions { LmHeadGain = 3, HotExperts = HotExperts });
        _cluster = await ClusterUnderTest.StartAsync("skewed checkpoint, 2 expert workers, rebalanced by hand",
            "--model", _checkpoint.Path, "--expert-workers", "2", "--expert-shards", "8", "--rebalance", "off", "--redundant-experts", "2");
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
            await _cluster.DisposeAsync();
        _checkpoint.Dispose();
    }

    [Fact]
    public async Task Rebalance_ReplicatesTheHotExpertsWithoutAFailedRequestOrAChangedToken_UnderLoad()
    {
        await using var load = await GreedyLoad.StartAsync(_cluster.Http, GreedyLoad.ShortPrompts, Clients, Tolerance);
        var admin = _cluster.AdminClient(_cluster.Experts[0]);
        var before = await ReportedStateAsync(admin);
        Assert.True(before.Imbalance > 1.3, $"the skewed checkpoint should load shard 0 far more than shard 1; imbalance {before.Imbalance:F3}");

        int beforeRebalance = load.Completed;
        var report = await admin.RebalanceAsync(new RebalanceRequest());
        int duringRebalance = load.Completed;
        await load.CompletedAtLeastAsync(2 * Clients);
        await load.DisposeAsync();

        output.WriteLine($"imbalance {report.ImbalanceBefore:F3} -> {report.ImbalanceAfter:F3} in {report.Seconds:F1} s, {report.BytesLoaded} bytes loaded; " +
            $"{beforeRebalance} requests before, {duringRebalance - beforeRebalance} during, {load.Completed - duringRebalance} after");
        Assert.True(load.Failures.Count == 0, $"{load.Failures.Count} requests failed or changed during the rebalance; first: {load.Failures.FirstOrDefault()}");
        Assert.True(report.Changed, $"the rebalance changed nothing: {report.Error}");
        Assert.Equal("admin", report.Trigger);
        Assert.True(report.ImbalanceAfter < report.ImbalanceBefore / 2 && report.ImbalanceAfter < 1.3,
            $"imbalance {report.ImbalanceBefore:F3} -> {report.ImbalanceAfter:F3}");
        Assert.True(report.BytesLoaded > 0, "the rebalance reports no bytes loaded");
        Assert.True(duringRebalance > beforeRebalance, "no request completed while the rebalance ran, so it was not tested under load");
        // Loaded before the flip and unloaded after the drain: no exchange ever met a worker without its expert.
        Assert.DoesNotContain("is out of date at", _cluster.Output, StringComparison.Ordinal);
        Assert.Contains("Rebalanced (admin) to placement", _cluster.Output, StringComparison.Ordinal);

        var stats = await _cluster.StatsAsync();
        Assert.True(stats.PlacementVersion >= report.TableVersion, $"the attention worker routes by v{stats.PlacementVersion}, not the rebalanced v{report.TableVersion}");
        var replicated = stats.Shards.SelectMany(s => s.ExpertIds).GroupBy(e => e).Where(g => g.Count() > 1).Select(g => (int)g.Key).ToArray();
        Assert.True(HotExperts.All(replicated.Contains), $"a hot expert got no replica; replicated: [{string.Join(",", replicated)}]");
        Assert.Equal(Enumerable.Range(0, ExpertParallelFixture.Spec.NRoutedExperts).Select(e => (uint)e),
            stats.Shards.SelectMany(s => s.ExpertIds).Distinct().Order());
        await AssertWorkersHoldTheirShardsAsync(stats);
        var after = await admin.GetRebalancerStateAsync(new RebalancerStateRequest());
        Assert.Equal(report.TableVersion, after.Recent[0].TableVersion);
    }

    /// <summary>Each worker holds exactly the experts of the shards the table places on it: the ones given up were unloaded.</summary>
    private async Task AssertWorkersHoldTheirShardsAsync(WorkerStats stats)
    {
        foreach (var worker in _cluster.Experts)
        {
            string endpoint = PlacementChecks.Normalize(worker.Address.ToString());
            var report = await _cluster.LoadReportAsync(worker);
            var placed = stats.Shards.Where(s => s.Endpoints.Select(PlacementChecks.Normalize).Contains(endpoint)).ToArray();
            Assert.Equal(placed.Select(s => s.Shard).Order(), report.Shards.Select(s => s.Shard).Order());
            foreach (var shard in placed)
                Assert.Equal(shard.ExpertIds, report.Shards.Single(s => s.Shard == shard.Shard).ExpertIds);
        }
    }

    /// <summary>The rebalancer's state once the attention worker's window holds the reference requests' routing.</summary>
    private static async Task<RebalancerState> ReportedStateAsync(ExpertAdmin.ExpertAdminClient admin)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var state = await admin.GetRebalancerStateAsync(new RebalancerStateRequest());
            if (state.ReportingAttentionWorkers > 0 && state.RoutedPairs > 0)
                return state;
            Assert.True(DateTime.UtcNow < deadline, "no attention worker reported its routed tokens to the rebalancer within 30 s");
            await Task.Delay(200);
        }
    }
}
