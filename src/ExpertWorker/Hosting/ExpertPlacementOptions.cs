namespace Kimi.Cluster.ExpertWorker.Hosting;

/// <summary>The cluster-wide shape of expert placement, the same on every expert worker.</summary>
public sealed class ExpertPlacementOptions
{
    public int Shards { get; set; } = 1;
    public int Replicas { get; set; } = 1;

    /// <summary>The device tags of the workers that may hold shard replicas (see --device-tag); null: every worker.</summary>
    public IReadOnlyList<string>? Devices { get; set; }
}
