using System.Collections.Immutable;

namespace Kimi.Cluster.Abstractions;

/// <summary>
/// expert id → the shards holding it → their replicas → data-plane endpoint, with a version
/// that changes whenever an endpoint or a shard's experts do. Attention workers cache it, re-read
/// it when a call fails, and hear of a newer version from the rebalancer.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record PlacementTable(
    [property: Id(0)] long Version,
    [property: Id(1)] int ExpertCount,
    [property: Id(2)] ImmutableArray<ShardReplicas> Shards);
