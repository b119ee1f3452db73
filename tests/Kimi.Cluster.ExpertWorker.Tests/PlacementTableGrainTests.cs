using Kimi.Cluster.Abstractions;
using Kimi.Cluster.ExpertWorker.Hosting;
using Kimi.Cluster.Model.RoutedExperts;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Kimi.Cluster.ExpertWorker.Tests;

/// <summary>
/// The placement table grain, the shard grains and our placement director on in-process silos
/// (the built-in tiny model, 3 shards × 2 replicas): where replicas go when a worker leaves and
/// when one joins. Each silo's data plane is only a name here; no process is the point.
/// </summary>
public sealed class PlacementTableGrainTests : IAsyncLifetime
{
    private const int Shards = 3, Replicas = 2;
    private InProcessTestCluster _cluster = null!; // set in InitializeAsync

    public async Task InitializeAsync() => _cluster = await InProcessExpertSilos.StartAsync(silos: 3, Shards, Replicas);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private IPlacementTableGrain Table => _cluster.Client.GetGrain<IPlacementTableGrain>(0);

    [Fact]
    public async Task PlacementTable_SpreadsReplicasEvenlyWithAShardsReplicasOnDifferentWorkers()
    {
        var table = await Table.GetTable();
        AssertSpread(table, workers: 3);
    }

    [Fact]
    public async Task PlacementTable_TakesOnlyALeavingWorkersOwnReplicasAndGivesAJoiningWorkerItsShare()
    {
        var before = await Table.GetTable();
        var leaving = _cluster.Silos[^1];
        string leavingEndpoint = $"http://{leaving.Name}";
        await _cluster.StopSiloAsync(leaving);

        var afterLoss = await SettledTableAsync();
        AssertSpread(afterLoss, workers: 2);
        Assert.DoesNotContain(leavingEndpoint, afterLoss.Shards.SelectMany(s => s.Endpoints));
        // Replicas on the workers that stayed did not move.
        foreach (var (was, now) in before.Shards.Zip(afterLoss.Shards))
            Assert.All(was.Endpoints.Where(e => e != leavingEndpoint), endpoint => Assert.Contains(endpoint, now.Endpoints));

        var joined = await _cluster.StartAdditionalSiloAsync();
        // Placement can use a silo once its grain manifest has spread; attention workers, which
        // read the table every few seconds, see the same a little later.
        await _cluster.WaitForClusterManifestToStabilizeAsync();
        var afterJoin = await SettledTableAsync();
        AssertSpread(afterJoin, workers: 3);
        Assert.Equal(Shards * Replicas / 3, afterJoin.Shards.Count(s => s.Endpoints.Contains($"http://{joined.Name}")));
    }

    [Fact]
    public async Task Release_MovesALeavingWorkersReplicasToTheOthers_WhichItKeepsServingUntilItLeaves()
    {
        var before = await SettledTableAsync();
        var leaving = _cluster.Silos[^1];
        string endpoint = $"http://{leaving.Name}";
        var services = _cluster.GetSiloServiceProvider(leaving.SiloAddress);
        services.GetRequiredService<ServingState>().BeginDraining(); // as its graceful stop does first
        var held = services.GetRequiredService<ExpertShardSet>().Holdings.Select(h => (h.Shard, h.Replica)).ToArray();
        Assert.Equal(Shards * Replicas / 3, held.Length);

        var released = await Table.Release(leaving.SiloAddress);
        Assert.True(released.Version > before.Version);
        Assert.DoesNotContain(endpoint, released.Shards.SelectMany(s => s.Endpoints));
        AssertSpread(released, workers: 2);
        // Its copies stay loaded for exchanges routed by the older table, and no build gives it replicas again.
        Assert.Equal(held, services.GetRequiredService<ExpertShardSet>().Holdings.Select(h => (h.Shard, h.Replica)));
        Assert.DoesNotContain(endpoint, (await SettledTableAsync()).Shards.SelectMany(s => s.Endpoints));

        await _cluster.StopSiloAsync(leaving);
        var afterLeave = await SettledTableAsync();
        AssertSpread(afterLeave, workers: 2);
        Assert.Equal<string>(released.Shards.SelectMany(s => s.Endpoints).Order(), afterLeave.Shards.SelectMany(s => s.Endpoints).Order());
    }

    [Fact]
    public async Task ReportedFailure_LeavesOutTheSiloThatFailed_ButNotAWorkerRestartedOnItsEndpoint()
    {
        var seen = await SettledTableAsync();
        // A worker that did not host the placement grain: its record of who served what survives.
        var placementSilo = await _cluster.Client.GetGrain<IManagementGrain>(0).GetActivationAddress(Table);
        var victim = _cluster.Silos.Skip(1).First(silo => !silo.SiloAddress.Equals(placementSilo));
        string endpoint = $"http://{victim.Name}";

        // A data plane that fails while its silo lives on is left out until the next build.
        var reported = await Table.ReportFailure(seen.Version, endpoint);
        Assert.DoesNotContain(endpoint, reported.Shards.SelectMany(s => s.Endpoints));
        AssertSpread(await SettledTableAsync(), workers: 3);

        // The worker restarts on the same endpoint before the report of its old process's failure
        // arrives: the new process is not the one that failed, so it keeps the replicas it is given.
        seen = await Table.GetTable();
        var restarted = await _cluster.RestartSiloAsync(victim);
        Assert.Equal(endpoint, $"http://{restarted!.Name}");
        await _cluster.WaitForClusterManifestToStabilizeAsync();
        var late = await Table.ReportFailure(seen.Version, endpoint);
        Assert.True(late.Version > seen.Version);
        Assert.Equal(Shards * Replicas / 3, late.Shards.Count(s => s.Endpoints.Contains(endpoint)));
        AssertSpread(late, workers: 3);
    }

    /// <summary>
    /// The table once a build changes nothing, read as attention workers do, a build after another
    /// (a build moves at most one replica of a shard, and a replica that could not be placed yet
    /// is placed by the next).
    /// </summary>
    private async Task<PlacementTable> SettledTableAsync()
    {
        var table = await Table.GetTable();
        for (int build = 0; build < 10; build++)
        {
            var next = await Table.GetTable();
            if (next.Version == table.Version)
                return table;
            table = next;
        }
        return table;
    }

    private static void AssertSpread(PlacementTable table, int workers)
    {
        Assert.Equal(Shards, table.Shards.Length);
        Assert.All(table.Shards, shard => Assert.Equal(Replicas, shard.Endpoints.Distinct().Count()));
        var perWorker = table.Shards.SelectMany(s => s.Endpoints).GroupBy(e => e).Select(g => g.Count()).ToArray();
        Assert.Equal(workers, perWorker.Length);
        Assert.True(perWorker.Max() - perWorker.Min() <= 1, $"replicas per worker: {string.Join(", ", perWorker)}");
    }
}
