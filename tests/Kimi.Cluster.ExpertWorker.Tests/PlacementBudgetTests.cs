using Kimi.Cluster.Abstractions;

namespace Kimi.Cluster.ExpertWorker.Tests;

/// <summary>
/// Placement by what the workers publish in their silo metadata (in-process silos, the built-in
/// tiny model, 6 unreplicated shards): a worker started with --shard-budget 1 holds one shard and
/// the others share the rest evenly; a worker of a device --placement-devices leaves out holds none.
/// </summary>
public sealed class PlacementBudgetTests
{
    private const int Shards = 6;

    [Fact]
    public async Task PlacementTable_GivesAWorkerWithABudgetNoMoreThanIt_AndTheOthersTheRestEvenly()
    {
        string? small = null;
        await using var cluster = await InProcessExpertSilos.StartAsync(silos: 3, Shards, replicas: 1,
            perSilo: (name, options) => name == (small ??= name) ? options with { ShardBudget = 1 } : options); // the first silo configured

        var perWorker = await SettledAsync(cluster.Client.GetGrain<IPlacementTableGrain>(0), held => held.GetValueOrDefault($"http://{small}") == 1);

        Assert.Equal(1, perWorker.GetValueOrDefault($"http://{small}"));
        Assert.Equal([2, 3], perWorker.Where(p => p.Key != $"http://{small}").Select(p => p.Value).Order());
    }

    [Fact]
    public async Task PlacementTable_LeavesOutWorkersOfADeviceItDoesNotUse()
    {
        string? other = null;
        await using var cluster = await InProcessExpertSilos.StartAsync(silos: 3, Shards, replicas: 1, perSilo: (name, options) =>
            (name == (other ??= name) ? options with { DeviceTag = "small" } : options) with { PlacementDevices = ["cpu"] });

        var perWorker = await SettledAsync(cluster.Client.GetGrain<IPlacementTableGrain>(0), held => !held.ContainsKey($"http://{other}"));

        Assert.DoesNotContain($"http://{other}", perWorker.Keys);
        Assert.Equal([3, 3], perWorker.Values.Order());
    }

    /// <summary>
    /// Shards per worker once <paramref name="done"/> holds and a build changes nothing (silo
    /// metadata reaches the placement grain's silo a moment after the silo joins; 20 s at most).
    /// </summary>
    private static async Task<Dictionary<string, int>> SettledAsync(IPlacementTableGrain table, Func<Dictionary<string, int>, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        var current = await table.GetTable();
        while (true)
        {
            var next = await table.GetTable();
            var held = next.Shards.SelectMany(s => s.Endpoints).GroupBy(e => e).ToDictionary(g => g.Key, g => g.Count());
            if ((next.Version == current.Version && done(held)) || DateTime.UtcNow > deadline)
                return held;
            current = next;
            await Task.Delay(200);
        }
    }
}
