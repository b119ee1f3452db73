using Kimi.Cluster.AttentionWorker.Experts;
using Kimi.Cluster.Contracts.V1;

namespace Kimi.Cluster.AttentionWorker.Services;

/// <summary>Maps the data-plane counters and the current placement onto the GetStats answer.</summary>
public sealed class WorkerStatsReporter(DataPlaneCounters counters, PlacementView? placement = null)
{
    public WorkerStats Report()
    {
        var stats = new WorkerStats
        {
            ExpertParallel = placement is not null,
            LayerExchanges = (ulong)counters.LayerExchanges,
            ExpertBatches = (ulong)counters.ExpertBatches,
            RoutedTokenWorkers = (ulong)counters.RoutedTokenWorkers,
            RoutedTokenExperts = (ulong)counters.RoutedTokenExperts,
            BytesSent = (ulong)counters.BytesSent,
            BytesReceived = (ulong)counters.BytesReceived,
            ActivationBytesSent = (ulong)counters.ActivationBytesSent,
            ActivationBytesReceived = (ulong)counters.ActivationBytesReceived,
            Failovers = (ulong)counters.Failovers,
            HiddenSize = (uint)counters.HiddenSize,
        };
        if (placement?.Current.Table is { } table)
        {
            stats.PlacementVersion = table.Version;
            foreach (var shard in table.Shards)
            {
                var proto = new ShardPlacement
                {
                    Shard = (uint)shard.Shard,
                };
                proto.ExpertIds.AddRange(shard.ExpertIds.Select(e => (uint)e));
                proto.Endpoints.AddRange(shard.Endpoints);
                stats.Shards.Add(proto);
            }
        }
        return stats;
    }
}
