using System.Collections.Immutable;

namespace Kimi.Cluster.ExpertWorker.Placement;

/// <summary>
/// Expert layouts: per shard, the experts it holds (an expert several shards hold is replicated).
/// The one before any rebalance is <see cref="ExpertBalancer.Contiguous"/>.
/// </summary>
public static class ExpertLayouts
{
    /// <summary>Throws ArgumentException naming the problem unless every shard is listed, ids are in range and every expert is held.</summary>
    public static void Check(ImmutableArray<ImmutableArray<int>> layout, int shards, int experts)
    {
        if (layout.IsDefault || layout.Length != shards)
            throw new ArgumentException($"the layout lists {(layout.IsDefault ? 0 : layout.Length)} shards; the cluster has {shards}", nameof(layout));
        var held = new bool[experts];
        for (int shard = 0; shard < layout.Length; shard++)
        {
            if (layout[shard].IsDefaultOrEmpty)
                throw new ArgumentException($"shard {shard} holds no experts", nameof(layout));
            foreach (int expert in layout[shard])
            {
                if (expert < 0 || expert >= experts)
                    throw new ArgumentException($"shard {shard} lists expert {expert}; the model's ids run 0..{experts - 1}", nameof(layout));
                held[expert] = true;
            }
        }
        int missing = Array.IndexOf(held, false);
        if (missing >= 0)
            throw new ArgumentException($"no shard holds expert {missing}", nameof(layout));
    }
}
