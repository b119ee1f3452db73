using Kimi.Cluster.Abstractions;

namespace Kimi.Cluster.AttentionWorker.Experts;

/// <summary>Where the placement table comes from: the cluster's placement grain (a fixed table in tests).</summary>
public interface IPlacementSource
{
    Task<PlacementTable> GetTableAsync(CancellationToken cancellationToken);

    /// <summary>Says that <paramref name="failedEndpoint"/> failed a call; returns the table placement answers with.</summary>
    Task<PlacementTable> ReportFailureAsync(long seenVersion, string failedEndpoint, CancellationToken cancellationToken);
}
