using Orleans.Placement;
using Orleans.Runtime;

namespace Kimi.Cluster.ExpertWorker.Placement;

/// <summary>Places shard replica grains round-robin over the expert silos (see <see cref="ExpertShardPlacementDirector"/>).</summary>
[Serializable, GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class ExpertShardPlacement : PlacementStrategy
{
    public static ExpertShardPlacement Instance { get; } = new();
}

/// <summary>Marks a grain class as placed by <see cref="ExpertShardPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ExpertShardPlacementAttribute() : PlacementAttribute(ExpertShardPlacement.Instance);
