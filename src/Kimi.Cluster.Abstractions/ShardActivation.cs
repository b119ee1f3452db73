namespace Kimi.Cluster.Abstractions;

/// <summary>Where one replica of an expert shard lives (what it loaded is the data plane's status to report).</summary>
[GenerateSerializer, Immutable]
public sealed record ShardActivation(
    [property: Id(0)] int Shard,
    [property: Id(1)] int Replica,
    [property: Id(2)] string DataPlaneEndpoint,
    [property: Id(3)] SiloAddress Silo);
