using Kimi.Cluster.Abstractions;

namespace Kimi.Cluster.AttentionWorker.Experts;

/// <summary>
/// One version of the placement table, checked and indexed for routing: which shard owns each
/// expert (an array lookup per pair instead of a scan over the shards).
/// </summary>
public sealed class PlacementSnapshot
{
    private readonly int[] _shardIndexOfExpert;

    private PlacementSnapshot(PlacementTable table, int[] shardIndexOfExpert)
    {
        Table = table;
        _shardIndexOfExpert = shardIndexOfExpert;
    }

    public PlacementTable Table { get; }

    public long Version => Table.Version;

    /// <summary>Checks that the shards cover every expert once and each has an endpoint; throws naming what is wrong.</summary>
    public static PlacementSnapshot Of(PlacementTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (table.ExpertCount < 1 || table.Shards.IsDefaultOrEmpty)
            throw new InvalidOperationException($"placement table v{table.Version} has no experts or no shards");
        var owner = new int[table.ExpertCount];
        Array.Fill(owner, -1);
        for (int index = 0; index < table.Shards.Length; index++)
        {
            var shard = table.Shards[index];
            if (shard.Endpoints.IsDefaultOrEmpty)
                throw new InvalidOperationException($"placement table v{table.Version}: shard {shard.Shard} has no endpoint");
            for (int expert = shard.FirstExpert; expert < shard.FirstExpert + shard.ExpertCount; expert++)
            {
                if (expert < 0 || expert >= table.ExpertCount || owner[expert] != -1)
                    throw new InvalidOperationException(
                        $"placement table v{table.Version}: shard {shard.Shard} claims expert {expert}, which is out of range or owned twice");
                owner[expert] = index;
            }
        }
        int missing = Array.IndexOf(owner, -1);
        if (missing >= 0)
            throw new InvalidOperationException($"placement table v{table.Version}: no shard owns expert {missing}");
        return new PlacementSnapshot(table, owner);
    }

    /// <summary>Index into <see cref="PlacementTable.Shards"/> of the shard owning <paramref name="expert"/>.</summary>
    public int ShardIndexOf(int expert) =>
        expert >= 0 && expert < _shardIndexOfExpert.Length
            ? _shardIndexOfExpert[expert]
            : throw new ArgumentOutOfRangeException(nameof(expert), expert, $"the placement table has {_shardIndexOfExpert.Length} experts");

    /// <summary>
    /// One endpoint per shard (by shard index): replicas on endpoints that recently failed are
    /// avoided while another exists, and among the rest each shard takes the endpoint serving
    /// the fewest shards so far, so a layer's work spreads over the expert workers.
    /// </summary>
    public string[] ChooseEndpoints(Func<string, bool> isBad)
    {
        ArgumentNullException.ThrowIfNull(isBad);
        var load = new Dictionary<string, int>(StringComparer.Ordinal);
        var chosen = new string[Table.Shards.Length];
        for (int index = 0; index < chosen.Length; index++)
        {
            var endpoints = Table.Shards[index].Endpoints;
            var candidates = endpoints.Where(e => !isBad(e)).ToArray();
            if (candidates.Length == 0)
                candidates = [.. endpoints]; // every replica failed lately: try them again rather than give up here
            // Start the search at a shard-dependent replica, so ties spread too.
            string best = candidates[index % candidates.Length];
            foreach (string candidate in candidates)
            {
                if (load.GetValueOrDefault(candidate) < load.GetValueOrDefault(best))
                    best = candidate;
            }
            load[best] = load.GetValueOrDefault(best) + 1;
            chosen[index] = best;
        }
        return chosen;
    }
}
