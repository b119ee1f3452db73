namespace Kimi.Cluster.Abstractions;

/// <summary>
/// The cluster's expert rebalancer (key 0): sums the attention workers' routed-token windows and,
/// on its period, when the imbalance drifts past its threshold, or when asked, moves and
/// replicates experts between shards to even out the shards' load, without a failed request.
/// </summary>
public interface IExpertRebalancerGrain : IGrainWithIntegerKey
{
    /// <summary>An attention worker's latest window; returns the newest placement table version, which the worker should route by.</summary>
    ValueTask<long> Report(ExpertLoadReport report);

    /// <summary>Rebalances now (unless one is under way, which it waits for) and says what happened.</summary>
    /// <remarks>Loading the experts and draining the old table take longer than Orleans' default 30 s call timeout at full size.</remarks>
    [ResponseTimeout("00:15:00")]
    ValueTask<RebalanceOutcome> RebalanceNow();

    ValueTask<RebalancerStatus> Status();

    /// <summary>
    /// Waits until every attention worker that reports routes by placement <paramref name="version"/>
    /// or newer (telling them, in the meantime, that it exists), then a little more for exchanges
    /// under way; false when some did not within the drain timeout.
    /// </summary>
    [ResponseTimeout("00:15:00")]
    ValueTask<bool> WaitForRouting(long version);
}
