using System.Collections.Immutable;

namespace Kimi.Cluster.Abstractions;

/// <summary>One shard: the expert ids it owns (the same in every MoE layer) and its replicas' data-plane endpoints.</summary>
[GenerateSerializer, Immutable]
public sealed record ShardReplicas(
    [property: Id(0)] int Shard,
    [property: Id(1)] int FirstExpert,
    [property: Id(2)] int ExpertCount,
    [property: Id(3)] ImmutableArray<string> Endpoints);
