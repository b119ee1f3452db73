using System.Collections.Concurrent;
using Kimi.Cluster.Abstractions;
using Kimi.Cluster.AttentionWorker.Experts;

namespace Kimi.Cluster.AttentionWorker.Tests.Support;

/// <summary>
/// Placement without a cluster: a table given up front, (optionally) the table a failure
/// report answers with, and (optionally, settable) a newer table reading it answers with.
/// Records the failures reported and counts the reads; the first reports can be left unanswered.
/// </summary>
public sealed class FixedPlacement(PlacementTable table, PlacementTable? afterFailure = null) : IPlacementSource
{
    private readonly TaskCompletionSource _firstReport = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private PlacementTable? _latest;
    private int _tableReads;

    public ConcurrentQueue<string> ReportedFailures { get; } = new();

    /// <summary>Completes when the first failure is reported (reports are sent in the background).</summary>
    public Task FirstReport => _firstReport.Task;

    public PlacementTable Table => table;

    /// <summary>When set, what reading the table answers (placement moved on, say by a rebalance); <see cref="Table"/> otherwise.</summary>
    public PlacementTable? Latest
    {
        get => Volatile.Read(ref _latest);
        set => Volatile.Write(ref _latest, value);
    }

    /// <summary>What a failure report answers; the table given to the constructor until set.</summary>
    public PlacementTable? AnswerToFailure { get; set; } = afterFailure;

    /// <summary>How many of the first failure reports are never answered (their grain's silo died under them, say).</summary>
    public int UnansweredReports { get; set; }

    /// <summary>How many times the table was read (failure reports not counted).</summary>
    public int TableReads => Volatile.Read(ref _tableReads);

    public Task<PlacementTable> GetTableAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _tableReads);
        return Task.FromResult(Latest ?? table);
    }

    public Task<PlacementTable> ReportFailureAsync(long seenVersion, string failedEndpoint, CancellationToken cancellationToken)
    {
        ReportedFailures.Enqueue(failedEndpoint);
        _firstReport.TrySetResult();
        if (ReportedFailures.Count <= UnansweredReports)
            return new TaskCompletionSource<PlacementTable>().Task;
        return Task.FromResult(AnswerToFailure ?? table);
    }

    /// <summary>A table of contiguous shards: shards[i] lists shard i's endpoints; experts split evenly.</summary>
    public static PlacementTable Build(long version, int experts, params string[][] shards) =>
        new(version, experts, [.. shards.Select((endpoints, shard) => new ShardReplicas(
            shard, [.. Enumerable.Range(shard * experts / shards.Length, (shard + 1) * experts / shards.Length - shard * experts / shards.Length)],
            [.. endpoints]))]);
}
