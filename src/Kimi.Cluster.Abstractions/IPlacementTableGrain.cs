namespace Kimi.Cluster.Abstractions;

/// <summary>The cluster's one placement table (key 0): builds it by activating every shard replica.</summary>
public interface IPlacementTableGrain : IGrainWithIntegerKey
{
    /// <summary>The current table; the first call activates every shard replica.</summary>
    ValueTask<PlacementTable> GetTable();

    /// <summary>
    /// Called by an attention worker whose call to <paramref name="failedEndpoint"/> failed: re-activates
    /// the replicas that lived there (placement moves them to live silos) and returns the new table.
    /// A table newer than <paramref name="seenVersion"/> is returned as it is.
    /// </summary>
    ValueTask<PlacementTable> ReportFailure(long seenVersion, string failedEndpoint);
}
