using System.Collections.Immutable;

namespace Kimi.Cluster.ExpertWorker.Placement;

/// <summary>
/// What <see cref="ExpertBalancer.Plan"/> balances: how many tokens each MoE layer routed to each
/// expert over a window, how many experts each shard may hold, and what the shards hold now.
/// </summary>
/// <param name="Load">[moeLayer][expert] routed-token counts (finite, &gt;= 0); at least one layer, every layer the same length E.</param>
/// <param name="Capacity">Per shard, the most experts it may hold (&gt;= 1 each, summing to at least E); its count is the number of shards.</param>
/// <param name="Current">
/// Per shard (as many as <paramref name="Capacity"/>), the experts it holds now, or null for a fresh placement. It may leave
/// experts out (their worker was lost); the plan then places them again.
/// </param>
public sealed record BalanceInput(double[][] Load, IReadOnlyList<int> Capacity, IReadOnlyList<IReadOnlyList<int>>? Current);

/// <summary>
/// A placement of experts on shards and the weights a live cluster loads and drops to get there.
/// </summary>
/// <param name="Shards">Per shard, its expert ids ascending; an expert on several shards has its tokens split evenly over them.</param>
/// <param name="ImbalanceBefore">
/// <see cref="ExpertBalancer.Imbalance"/> of the current placement (of <see cref="ExpertBalancer.Contiguous"/> when there is
/// none); +infinity when the current placement leaves an expert out.
/// </param>
/// <param name="ImbalanceAfter">
/// <see cref="ExpertBalancer.Imbalance"/> of <paramref name="Shards"/>; never above <paramref name="ImbalanceBefore"/>
/// (with no current placement, unless the contiguous default itself does not fit the capacities).
/// </param>
/// <param name="Loads">(shard, expert) pairs in <paramref name="Shards"/> that the current placement lacks (all of them when there is none), by shard then expert.</param>
/// <param name="Unloads">(shard, expert) pairs of the current placement that <paramref name="Shards"/> drops, by shard then expert.</param>
public sealed record BalancePlan(
    ImmutableArray<ImmutableArray<int>> Shards, double ImbalanceBefore, double ImbalanceAfter,
    ImmutableArray<(int Shard, int Expert)> Loads, ImmutableArray<(int Shard, int Expert)> Unloads)
{
    /// <summary>False when the plan keeps the current placement as it is, so there is nothing to load or drop.</summary>
    public bool Changed => !Loads.IsEmpty || !Unloads.IsEmpty;
}
