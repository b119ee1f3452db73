using System.Collections.Immutable;
using Kimi.Cluster.Abstractions;
using Kimi.Cluster.ExpertWorker.Hosting;
using Orleans.TestingHost;

namespace Kimi.Cluster.ExpertWorker.Tests;

/// <summary>
/// The rebalancer grain with the placement table and shard grains on in-process silos (the
/// built-in tiny model, 2 shards × 1 replica over 2 silos), an attention worker played by the
/// test through <see cref="IExpertRebalancerGrain.Report"/>: a skewed window is rebalanced by
/// loading first, flipping the table, waiting until the reporter routes by the new table, and
/// only then dropping the experts the shards gave up.
/// </summary>
public sealed class ExpertRebalancerGrainTests : IAsyncLifetime
{
    private const int Shards = 2, Experts = 16;
    private static readonly ImmutableArray<int> MoeLayers = [1, 2];
    private InProcessTestCluster _cluster = null!; // set in InitializeAsync

    public async Task InitializeAsync() => _cluster = await InProcessExpertSilos.StartAsync(silos: 2, Shards, replicas: 1,
        new RebalanceOptions { Enabled = false, DrainGrace = TimeSpan.FromMilliseconds(50), DrainTimeout = TimeSpan.FromMinutes(1) });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private IPlacementTableGrain Table => _cluster.Client.GetGrain<IPlacementTableGrain>(0);

    private IExpertRebalancerGrain Rebalancer => _cluster.Client.GetGrain<IExpertRebalancerGrain>(0);

    [Fact]
    public async Task RebalanceNow_ChangesNothing_WhenNoWindowWasReported()
    {
        var outcome = await Rebalancer.RebalanceNow();

        Assert.False(outcome.Changed);
        Assert.Contains("no routed tokens", outcome.Error, StringComparison.Ordinal);
        Assert.Equal(outcome, (await Rebalancer.Status()).Recent[0]);
    }

    [Fact]
    public async Task RebalanceNow_LoadsFlipsDrainsThenDrops_WhenOneShardHoldsTheHotExperts()
    {
        var before = await Table.GetTable();
        Assert.Equal(Enumerable.Range(0, 8), before.Shards[0].ExpertIds);
        await Rebalancer.Report(SkewedWindow(before.Version));
        Assert.True((await Rebalancer.Status()).Imbalance > 1.5);

        var rebalancing = Rebalancer.RebalanceNow().AsTask();
        var flipped = await NewerTableAsync(before.Version);
        // The table flipped, but the reporter still routes by the old one: nothing is dropped yet.
        Assert.False(rebalancing.IsCompleted, "the rebalance finished before the attention worker routed by the new table");
        for (int shard = 0; shard < Shards; shard++)
        {
            var held = await ShardGrain(shard).EnsureLoaded([]);
            Assert.Superset(before.Shards[shard].ExpertIds.ToHashSet(), held.ExpertIds.ToHashSet());
            Assert.Superset(flipped.Shards[shard].ExpertIds.ToHashSet(), held.ExpertIds.ToHashSet());
        }

        await Rebalancer.Report(SkewedWindow(flipped.Version));
        var outcome = await rebalancing;

        Assert.True(outcome.Changed);
        Assert.Equal(flipped.Version, outcome.TableVersion);
        Assert.True(outcome.ImbalanceAfter < outcome.ImbalanceBefore && outcome.ImbalanceAfter < 1.1, $"{outcome.ImbalanceBefore} -> {outcome.ImbalanceAfter}");
        Assert.True(outcome.BytesLoaded > 0);
        var replicated = flipped.Shards.SelectMany(s => s.ExpertIds).GroupBy(e => e).Where(g => g.Count() > 1).Select(g => g.Key).ToArray();
        Assert.Contains(0, replicated);
        for (int shard = 0; shard < Shards; shard++)
        {
            var held = await ShardGrain(shard).EnsureLoaded([]);
            Assert.Equal(string.Join(",", flipped.Shards[shard].ExpertIds), string.Join(",", held.ExpertIds));
            var change = outcome.Changes.Single(c => c.Shard == shard);
            Assert.Equal(string.Join(",", flipped.Shards[shard].ExpertIds.Except(before.Shards[shard].ExpertIds).Order()), string.Join(",", change.Added));
            Assert.Equal(string.Join(",", before.Shards[shard].ExpertIds.Except(flipped.Shards[shard].ExpertIds).Order()), string.Join(",", change.Removed));
        }
        var status = await Rebalancer.Status();
        Assert.Equal(flipped.Version, status.TableVersion);
        Assert.Equal(outcome.ImbalanceAfter, status.Imbalance, 9);
    }

    [Fact]
    public async Task Report_Refuses_ACountForAnotherModel()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(async () =>
            await Rebalancer.Report(new ExpertLoadReport("attention", 1, MoeLayers, Experts + 1, [.. new long[2 * (Experts + 1)]], TimeSpan.FromMinutes(1))));
        Assert.Contains("the model has 16", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Experts 0 and 1 take most tokens in both MoE layers; the rest share what is left.</summary>
    private static ExpertLoadReport SkewedWindow(long routingVersion)
    {
        long[] counts = [.. from layer in MoeLayers from expert in Enumerable.Range(0, Experts) select expert switch { 0 => 4000L, 1 => 3000L, _ => 100L }];
        return new ExpertLoadReport("attention worker", routingVersion, MoeLayers, Experts, [.. counts], TimeSpan.FromMinutes(1));
    }

    private IExpertShardGrain ShardGrain(int shard) => _cluster.Client.GetGrain<IExpertShardGrain>(IExpertShardGrain.Key(shard, 0));

    private async Task<PlacementTable> NewerTableAsync(long version)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var table = await Table.GetTable();
            if (table.Version > version)
                return table;
            await Task.Delay(20, timeout.Token);
        }
    }
}
