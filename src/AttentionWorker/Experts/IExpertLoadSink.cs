using Kimi.Cluster.Abstractions;

namespace Kimi.Cluster.AttentionWorker.Experts;

/// <summary>Where this worker's routed-token windows go: the cluster's rebalancer.</summary>
public interface IExpertLoadSink
{
    /// <summary>Sends the window; returns the newest placement table version the rebalancer knows.</summary>
    Task<long> ReportLoadAsync(ExpertLoadReport report, CancellationToken cancellationToken);
}
