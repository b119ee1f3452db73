using Kimi.Cluster.Abstractions;

namespace Kimi.Cluster.AttentionWorker.Experts;

/// <summary>
/// One version of the placement table, checked and indexed for routing: which shards hold each
/// expert (an array lookup per pair instead of a scan over the shards), and so where a (token,
/// expert) pair goes: a replicated expert's tokens are dealt over the shards holding it by token.
/// </summary>
public sealed class PlacementSnapshot
{
    private readonly int[][] _shardIndexesOfExpert;

    private PlacementSnapshot(PlacementTable table, int[][] shardIndexesOfExpert)
    {
        Table = table;
        _shardIndexesOfExpert = shardIndexesOfExpert;
        Workers = [.. table.Shards.SelectMany(s => s.Endpoints).Distinct(StringComparer.Ordinal)];
    }

    public PlacementTable Table { get; }

    /// <summary>The expert workers' endpoints the table lists, each once, in table order.</summary>
    public IReadOnlyList<string> Workers { get; }

    public long Version => Table.Version;

    /// <summary>Checks that the shards hold every expert at least once and each has an endpoint; throws naming what is wrong.</summary>
    public static PlacementSnapshot Of(PlacementTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (table.ExpertCount < 1 || table.Shards.IsDefaultOrEmpty)
            throw new InvalidOperationException($"placement table v{table.Version} has no experts or no shards");
        var holders = Enumerable.Range(0, table.ExpertCount).Select(_ => new List<int>()).ToArray();
        for (int index = 0; index < table.Shards.Length; index++)
        {
            var shard = table.Shards[index];
            if (shard.Endpoints.IsDefaultOrEmpty)
                throw new InvalidOperationException($"placement table v{table.Version}: shard {shard.Shard} has no endpoint");
            foreach (int expert in shard.ExpertIds.IsDefault ? [] : shard.ExpertIds)
            {
                if (expert < 0 || expert >= table.ExpertCount || holders[expert].Contains(index))
                    throw new InvalidOperationException(
                        $"placement table v{table.Version}: shard {shard.Shard} lists expert {expert}, which is out of range or listed twice");
                holders[expert].Add(index);
            }
        }
        int missing = Array.FindIndex(holders, h => h.Count == 0);
        if (missing >= 0)
            throw new InvalidOperationException($"placement table v{table.Version}: no shard holds expert {missing}");
        return new PlacementSnapshot(table, [.. holders.Select(h => h.ToArray())]);
    }

    /// <summary>Indexes into <see cref="PlacementTable.Shards"/> of the shards holding <paramref name="expert"/>.</summary>
    public IReadOnlyList<int> ShardIndexesOf(int expert) =>
        expert >= 0 && expert < _shardIndexesOfExpert.Length
            ? _shardIndexesOfExpert[expert]
            : throw new ArgumentOutOfRangeException(nameof(expert), expert, $"the placement table has {_shardIndexesOfExpert.Length} experts");

    /// <summary>
    /// The shard (index into <see cref="PlacementTable.Shards"/>) that computes <paramref name="expert"/>
    /// for the layer's <paramref name="token"/>-th token: the only one holding it, or, for a replicated
    /// expert, one by token in turn, so its tokens spread evenly over its replicas.
    /// </summary>
    public int ShardIndexOf(int expert, int token)
    {
        var holders = ShardIndexesOf(expert);
        return holders.Count == 1 ? holders[0] : holders[(int)((uint)(token + expert) % (uint)holders.Count)];
    }

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
