using Kimi.Cluster.ExpertWorker.Grains;
using Kimi.Cluster.ExpertWorker.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Kimi.Cluster.ExpertWorker.Placement;

/// <summary>
/// Deterministic, even placement: replica r of shard s takes slot s·R + r, and slot k goes to
/// the k-th silo (mod the silo count) in address order. With R ≤ silos, a shard's replicas land
/// on different silos, and every silo gets the same number of replicas (±1). The placement
/// table sets a placement hint (see <see cref="ReplicaPlanner"/>) when it activates a replica
/// whose silo is gone or that moves; the hint wins when that silo is still there.
/// </summary>
public sealed class ExpertShardPlacementDirector(IOptions<ExpertPlacementOptions> options) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = InOrder(context.GetCompatibleSilos(target));
        if (silos.Length == 0)
            throw new OrleansException("no expert silo is available to place an expert shard on");
        if (IPlacementDirector.GetPlacementHint(target.RequestContextData, silos) is { } hinted)
            return Task.FromResult(hinted);
        var (shard, replica) = ShardKey.Parse(target.GrainIdentity.Key.ToString() ?? "");
        return Task.FromResult(silos[Slot(shard, replica, options.Value.Replicas) % silos.Length]);
    }

    public static int Slot(int shard, int replica, int replicas) => shard * replicas + replica;

    /// <summary>Address order: the same on every silo, and a restarted silo (same endpoint) keeps its place.</summary>
    public static SiloAddress[] InOrder(IEnumerable<SiloAddress> silos) =>
        [.. silos.OrderBy(s => s.Endpoint.Address.ToString(), StringComparer.Ordinal).ThenBy(s => s.Endpoint.Port)];
}
