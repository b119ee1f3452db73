using System.Collections.Immutable;

namespace Kimi.Cluster.Abstractions;

/// <summary>
/// expert id → shard → replicas → data-plane endpoint, with a version that changes whenever an
/// endpoint does. Attention workers cache it and re-read it when a call fails.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record PlacementTable(
    [property: Id(0)] long Version,
    [property: Id(1)] int ExpertCount,
    [property: Id(2)] ImmutableArray<ShardReplicas> Shards);
