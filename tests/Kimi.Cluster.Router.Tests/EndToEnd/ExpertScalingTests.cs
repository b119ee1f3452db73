using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Kimi.Cluster.Router.Tests.Support;
using Kimi.Cluster.Tests.Shared.Reference;
using Xunit.Abstractions;

namespace Kimi.Cluster.Router.Tests.EndToEnd;

/// <summary>
/// The expert tier resized under continuous load: `local` with 2 expert workers and 6 unreplicated
/// shards (so a worker that leaves holds the only copy of its shards); a third worker is added
/// through POST /admin/expert-workers and must get its share of the shards and serve them, then
/// one of the first two is removed through DELETE, which hands its shards to the others before it
/// exits. No request fails and no token changes, and the worker that left is no longer routed to.
/// </summary>
[Trait("Needs", "Processes")]
[Trait("Speed", "Slow")]
public sealed class ExpertScalingTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const double Tolerance = 1e-5;
    private const int Clients = 4, Shards = 6;
    private readonly TempDirectory _checkpoint = new("kimi-scaling");
    private ClusterUnderTest _cluster = null!; // set in InitializeAsync

    public async Task InitializeAsync()
    {
        TinyCheckpointWriter.Write(_checkpoint.Path, ExpertParallelFixture.Spec, new TinyCheckpointOptions { LmHeadGain = 3 });
        _cluster = await ClusterUnderTest.StartAsync("2 expert workers, scaled to 3 and back to 2 under load",
            "--model", _checkpoint.Path, "--expert-workers", "2", "--expert-shards", $"{Shards}", "--expert-replicas", "1", "--rebalance", "off");
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
            await _cluster.DisposeAsync();
        _checkpoint.Dispose();
    }

    [Fact]
    public async Task ExpertWorkers_JoinAndLeaveUnderLoad_WithoutAFailedRequestOrAChangedToken()
    {
        await using var load = await GreedyLoad.StartAsync(_cluster.Http, GreedyLoad.ShortPrompts, Clients, Tolerance);

        // 2 → 3: the new worker gets an even share of the shards and the attention worker routes to it.
        var clock = Stopwatch.StartNew();
        using var added = await _cluster.Http.PostAsync("/admin/expert-workers", null);
        var joined = JsonNode.Parse(await added.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        string joinedEndpoint = PlacementChecks.Normalize(joined["data_plane"]!.GetValue<string>());
        await RoutedByAsync(table => table.Count(s => s.Endpoints.Contains(joinedEndpoint)) == Shards / 3, "the joined worker's 2 shards", load);
        output.WriteLine($"the added worker served its share {clock.Elapsed.TotalSeconds:0.0} s after it was asked for");
        await load.CompletedAtLeastAsync(2 * Clients);

        // 3 → 2: the first worker hands its shards to the other two before it exits.
        string leavingEndpoint = PlacementChecks.Normalize(_cluster.Experts[0].Address.ToString());
        clock.Restart();
        using var removed = await _cluster.Http.DeleteAsync("/admin/expert-workers/0");
        Assert.True(removed.StatusCode == HttpStatusCode.OK, await removed.Content.ReadAsStringAsync());
        output.WriteLine($"the first worker handed off and left in {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Throws<ArgumentException>(() => Process.GetProcessById(_cluster.Experts[0].Pid).Dispose());
        await RoutedByAsync(table => !table.Any(s => s.Endpoints.Contains(leavingEndpoint)) && table.All(s => s.Endpoints.Count == 1),
            "the two remaining workers only", load);
        await load.CompletedAtLeastAsync(2 * Clients);
        await load.DisposeAsync();

        output.WriteLine($"{load.Completed} requests completed while the tier went 2 → 3 → 2");
        Assert.True(load.Failures.Count == 0, $"{load.Failures.Count} requests failed or changed while the tier was resized; first: {load.Failures.FirstOrDefault()}");
        Assert.Contains("Handed off in", _cluster.Output, StringComparison.Ordinal);
        // Load before unload, both ways: no exchange met a worker without its experts, none failed over.
        Assert.DoesNotContain("is out of date at", _cluster.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("sending them elsewhere", _cluster.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("The expert worker 0 restarted", _cluster.Output, StringComparison.Ordinal);
        var listed = JsonNode.Parse(await _cluster.Http.GetStringAsync("/admin/expert-workers"))!["expert_workers"]!.AsArray();
        Assert.Equal([1, 2], listed.Select(w => w!["index"]!.GetValue<int>()).Order());
    }

    /// <summary>The cluster's log lines about placement and membership, so that a failure says where placement stood.</summary>
    private string PlacementLog() => string.Join('\n', _cluster.Output.Split('\n')
        .Where(line => PlacementWords.Any(word => line.Contains(word, StringComparison.Ordinal))).TakeLast(80));

    private static readonly string[] PlacementWords =
        ["Placement", "ExpertShardGrain", "Membership", "restart", "Added the", "is ready at", "exited", "warn:", "fail:"];

    /// <summary>
    /// Waits until the attention worker's placement table satisfies <paramref name="routed"/>: 120 s at most,
    /// ten times what it takes here, since a loaded two-core machine runs another cluster beside this one;
    /// a placement that never gets there still fails, with its log and the load's progress.
    /// </summary>
    private async Task RoutedByAsync(
        Func<IReadOnlyList<(int Shard, IReadOnlyList<string> Endpoints)>, bool> routed, string what, GreedyLoad load)
    {
        var patience = TimeSpan.FromSeconds(120);
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            var stats = await _cluster.StatsAsync();
            var table = stats.Shards.Select(s => ((int)s.Shard, (IReadOnlyList<string>)[.. s.Endpoints.Select(PlacementChecks.Normalize)])).ToArray();
            if (routed(table))
                return;
            Assert.True(DateTime.UtcNow < deadline, $"the attention worker did not route by {what} within {patience.TotalSeconds} s; " +
                $"its table (v{stats.PlacementVersion}): " + string.Join("; ", table.Select(s => $"{s.Item1}: {string.Join(",", s.Item2)}")) +
                $"; {load.Completed} requests completed, {load.Failures.Count} failed (first: {load.Failures.FirstOrDefault() ?? "none"}); " +
                "what placement logged:\n" + PlacementLog());
            await Task.Delay(250);
        }
    }
}
