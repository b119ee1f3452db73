using System.Collections.Immutable;

namespace Kimi.Cluster.Abstractions;

/// <summary>Where one replica of an expert shard lives, the experts it holds there now (ascending), and the bytes of their weights there.</summary>
[GenerateSerializer, Immutable]
public sealed record ShardActivation(
    [property: Id(0)] int Shard,
    [property: Id(1)] int Replica,
    [property: Id(2)] string DataPlaneEndpoint,
    [property: Id(3)] SiloAddress Silo,
    [property: Id(4)] ImmutableArray<int> ExpertIds,
    [property: Id(5)] long ResidentBytes);
