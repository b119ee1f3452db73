using System.Collections.Concurrent;
using Kimi.Cluster.Abstractions;
using Kimi.Cluster.AttentionWorker.Experts;

namespace Kimi.Cluster.AttentionWorker.Tests.Support;

/// <summary>
/// Placement without a cluster: a table given up front, and (optionally) the table a failure
/// report answers with. Records the failures reported.
/// </summary>
public sealed class FixedPlacement(PlacementTable table, PlacementTable? afterFailure = null) : IPlacementSource
{
    private readonly TaskCompletionSource _firstReport = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ConcurrentQueue<string> ReportedFailures { get; } = new();

    /// <summary>Completes when the first failure is reported (reports are sent in the background).</summary>
    public Task FirstReport => _firstReport.Task;

    public PlacementTable Table => table;

    public Task<PlacementTable> GetTableAsync(CancellationToken cancellationToken) => Task.FromResult(table);

    public Task<PlacementTable> ReportFailureAsync(long seenVersion, string failedEndpoint, CancellationToken cancellationToken)
    {
        ReportedFailures.Enqueue(failedEndpoint);
        _firstReport.TrySetResult();
        return Task.FromResult(afterFailure ?? table);
    }

    /// <summary>A table of contiguous shards: shards[i] lists shard i's endpoints; experts split evenly.</summary>
    public static PlacementTable Build(long version, int experts, params string[][] shards) =>
        new(version, experts, [.. shards.Select((endpoints, shard) => new ShardReplicas(
            shard, shard * experts / shards.Length, (shard + 1) * experts / shards.Length - shard * experts / shards.Length,
            [.. endpoints]))]);
}
