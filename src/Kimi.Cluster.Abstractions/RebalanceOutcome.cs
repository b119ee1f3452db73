using System.Collections.Immutable;

namespace Kimi.Cluster.Abstractions;

/// <summary>What one shard gained and gave up in a rebalance.</summary>
[GenerateSerializer, Immutable]
public sealed record ShardChange(
    [property: Id(0)] int Shard,
    [property: Id(1)] ImmutableArray<int> Added,
    [property: Id(2)] ImmutableArray<int> Removed);

/// <summary>
/// One rebalance: why it ran, what moved, the bytes the replicas took on, how long it took, and the
/// imbalance (the slowest shard's routed tokens over the mean, summed over MoE layers) of the
/// window it was planned from, under the old layout and the new.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RebalanceOutcome(
    [property: Id(0)] DateTime StartedAt,
    [property: Id(1)] string Trigger,
    [property: Id(2)] bool Changed,
    [property: Id(3)] long TableVersion,
    [property: Id(4)] double ImbalanceBefore,
    [property: Id(5)] double ImbalanceAfter,
    [property: Id(6)] ImmutableArray<ShardChange> Changes,
    [property: Id(7)] long BytesLoaded,
    [property: Id(8)] TimeSpan Took,
    [property: Id(9)] string? Error);

/// <summary>The rebalancer's view: the imbalance of the current window under the current layout, and the latest rebalances (newest first).</summary>
[GenerateSerializer, Immutable]
public sealed record RebalancerStatus(
    [property: Id(0)] bool Enabled,
    [property: Id(1)] long TableVersion,
    [property: Id(2)] double Imbalance,
    [property: Id(3)] long RoutedPairs,
    [property: Id(4)] int Reporters,
    [property: Id(5)] ImmutableArray<RebalanceOutcome> Recent);
