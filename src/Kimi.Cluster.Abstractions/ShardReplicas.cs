using System.Collections.Immutable;

namespace Kimi.Cluster.Abstractions;

/// <summary>
/// One shard: the expert ids it holds (the same in every MoE layer; ascending) and its replicas'
/// data-plane endpoints. An expert that several shards hold is replicated: its tokens are spread
/// over those shards.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ShardReplicas(
    [property: Id(0)] int Shard,
    [property: Id(1)] ImmutableArray<int> ExpertIds,
    [property: Id(2)] ImmutableArray<string> Endpoints);
