using Kimi.Cluster.Abstractions;

namespace Kimi.Cluster.ExpertWorker.Tests;

/// <summary>
/// Placement by what the workers publish (in-process silos, the built-in tiny model, 6
/// unreplicated shards): a worker started with --shard-budget 1 holds one shard, and the others
/// share the rest evenly.
/// </summary>
public sealed class PlacementBudgetTests
{
    [Fact]
    public async Task PlacementTable_GivesAWorkerWithABudgetNoMoreThanIt_AndTheOthersTheRestEvenly()
    {
        string? small = null;
        await using var cluster = await InProcessExpertSilos.StartAsync(silos: 3, shards: 6, replicas: 1,
            shardBudget: name => name == (small ??= name) ? 1 : null); // the first silo configured gets a budget of 1
        var table = cluster.Client.GetGrain<IPlacementTableGrain>(0);

        var settled = await table.GetTable();
        for (int build = 0; build < 10; build++)
        {
            var next = await table.GetTable();
            if (next.Version == settled.Version)
                break;
            settled = next;
        }

        var perWorker = settled.Shards.SelectMany(s => s.Endpoints).GroupBy(e => e).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(1, perWorker.GetValueOrDefault($"http://{small}"));
        int[] others = [.. perWorker.Where(p => p.Key != $"http://{small}").Select(p => p.Value).Order()];
        Assert.Equal([2, 3], others);
    }
}
