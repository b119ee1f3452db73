using System.Collections.Immutable;

namespace Kimi.Cluster.Abstractions;

/// <summary>The cluster's one placement table (key 0): builds it by activating every shard replica and having each hold its shard's experts.</summary>
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

    /// <summary>
    /// Gives each shard the experts <paramref name="layout"/> lists for it (by shard index) and
    /// returns the table built with them, a new version. The rebalancer has the replicas load
    /// their new experts first, so this only flips the table; the experts a shard no longer
    /// lists stay loaded until the rebalancer releases them.
    /// </summary>
    ValueTask<PlacementTable> Adopt(ImmutableArray<ImmutableArray<int>> layout);

    /// <summary>
    /// Hands off the replicas on <paramref name="leaving"/> (an expert worker about to leave): they
    /// are activated on the other silos, which load their experts, and the returned table, a new
    /// version, no longer lists the leaving worker; it gets no replica again. The leaving worker
    /// keeps its copies until it exits, so exchanges routed by the older table still complete.
    /// Returns the table as it is when no other silo can take them.
    /// </summary>
    /// <remarks>Loading a worker's experts elsewhere takes longer than Orleans' default 30 s call timeout at full size.</remarks>
    [ResponseTimeout("00:15:00")]
    ValueTask<PlacementTable> Release(SiloAddress leaving);
}
