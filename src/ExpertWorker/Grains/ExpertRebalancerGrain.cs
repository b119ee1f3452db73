using System.Collections.Immutable;
using System.Diagnostics;
using Kimi.Cluster.Abstractions;
using Kimi.Cluster.ExpertWorker.Hosting;
using Kimi.Cluster.ExpertWorker.Placement;
using Kimi.Cluster.Model.Checkpoints;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Kimi.Cluster.ExpertWorker.Grains;

/// <summary>
/// The expert rebalancer. Sums the attention workers' routed-token windows (their latest each)
/// and, on its period, when the shards' imbalance drifts past the threshold, or when asked,
/// plans a new layout (<see cref="ExpertBalancer"/>: hot experts replicated into the spare slots,
/// shards packed evenly) and carries it out without a failed request: every replica first loads
/// the experts it gains, then the placement table flips to the new layout, then, once every
/// attention worker routes by the new table, the replicas drop what they gave up. Reentrant so
/// that reports keep arriving (and say when the old table has drained) while a rebalance waits.
/// </summary>
[Reentrant]
[CollectionAgeLimit(AlwaysActive = true)]
public sealed partial class ExpertRebalancerGrain(
    ModelSource source, IOptions<ExpertPlacementOptions> placement, IOptions<RebalanceOptions> options, ILogger<ExpertRebalancerGrain> logger)
    : Grain, IExpertRebalancerGrain
{
    private const int Remembered = 20;
    private readonly Dictionary<string, (ExpertLoadReport Report, DateTime At)> _reports = new(StringComparer.Ordinal);
    private readonly LinkedList<RebalanceOutcome> _recent = new();
    private Task<RebalanceOutcome>? _running;
    private DateTime _lastRebalance;
    private long _tableVersion;

    private RebalanceOptions Options => options.Value;

    private IPlacementTableGrain Table => GrainFactory.GetGrain<IPlacementTableGrain>(0);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _lastRebalance = DateTime.UtcNow;
        if (Options.Enabled)
        {
            this.RegisterGrainTimer(CheckAsync, new GrainTimerCreationOptions(Options.CheckEvery, Options.CheckEvery) { Interleave = true });
        }
        return base.OnActivateAsync(cancellationToken);
    }

    public ValueTask<long> Report(ExpertLoadReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        int experts = source.Config.NRoutedExperts;
        if (report.ExpertCount != 0 && report.ExpertCount != experts)
            throw new ArgumentException($"the report counts {report.ExpertCount} experts; the model has {experts}", nameof(report));
        if (report.RoutedPairs.Length != report.Layers.Length * report.ExpertCount)
            throw new ArgumentException($"the report has {report.RoutedPairs.Length} counts for {report.Layers.Length} layers × {report.ExpertCount} experts", nameof(report));
        _reports[report.Reporter] = (report, DateTime.UtcNow);
        // Restarted attention workers report under new names: forget the silent ones.
        foreach (string gone in _reports.Where(r => r.Value.At < DateTime.UtcNow - 10 * Options.ReporterExpiry).Select(r => r.Key).ToArray())
            _reports.Remove(gone);
        _tableVersion = Math.Max(_tableVersion, report.TableVersion);
        return ValueTask.FromResult(_tableVersion);
    }

    public async ValueTask<RebalanceOutcome> RebalanceNow() => await RunAsync("admin");

    public async ValueTask<bool> WaitForRouting(long version)
    {
        _tableVersion = Math.Max(_tableVersion, version);
        return await DrainAsync(version);
    }

    public async ValueTask<RebalancerStatus> Status()
    {
        var table = await Table.GetTable();
        var (load, pairs) = WindowLoad();
        double imbalance = load.Length == 0 ? 1 : ExpertBalancer.Imbalance(load, Layout(table));
        return new RebalancerStatus(Options.Enabled, table.Version, imbalance, pairs, LiveReports().Count(), [.. _recent]);
    }

    /// <summary>The timer: rebalances when the period is up, or when the imbalance drifted past the threshold.</summary>
    private async Task CheckAsync(CancellationToken cancellation)
    {
        if (_running is not null)
            return;
        var (load, pairs) = WindowLoad();
        if (load.Length == 0 || pairs < Options.MinRoutedPairs)
            return;
        var since = DateTime.UtcNow - _lastRebalance;
        string? trigger = since >= Options.Period ? "period" : null;
        if (trigger is null && since >= Options.MinInterval)
        {
            var table = await Table.GetTable();
            if (ExpertBalancer.Imbalance(load, Layout(table)) >= Options.DriftThreshold)
                trigger = "drift";
        }
        if (trigger is not null)
            await RunAsync(trigger);
    }

    /// <summary>One rebalance at a time: a request while one runs gets that one's outcome.</summary>
    private async Task<RebalanceOutcome> RunAsync(string trigger)
    {
        if (_running is { } running)
            return await running;
        _running = RebalanceAsync(trigger);
        try
        {
            var outcome = await _running;
            _recent.AddFirst(outcome);
            while (_recent.Count > Remembered)
                _recent.RemoveLast();
            return outcome;
        }
        finally
        {
            _running = null;
            _lastRebalance = DateTime.UtcNow;
        }
    }

    private async Task<RebalanceOutcome> RebalanceAsync(string trigger)
    {
        var started = DateTime.UtcNow;
        long clock = Stopwatch.GetTimestamp();
        var table = await Table.GetTable();
        var layout = Layout(table);
        var (load, pairs) = WindowLoad();
        RebalanceOutcome Unchanged(double before, double after, string? why) =>
            new(started, trigger, false, table.Version, before, after, [], 0, Stopwatch.GetElapsedTime(clock), why);
        if (load.Length == 0 || pairs == 0)
            return Logged(Unchanged(1, 1, "no routed tokens reported yet"));

        int shards = layout.Count, experts = source.Config.NRoutedExperts;
        int share = (experts + shards - 1) / shards;
        int[] capacity = [.. layout.Select(held => Math.Max(share + Options.RedundantSlots, held.Count))];
        // Seconds at full size (384 experts, 60 layers): off the grain's turn, which keeps taking reports.
        var plan = await Task.Run(() => ExpertBalancer.Plan(new BalanceInput(load, capacity, layout)));
        if (!plan.Changed)
            return Logged(Unchanged(plan.ImbalanceBefore, plan.ImbalanceAfter, null));
        if (trigger != "admin" && plan.ImbalanceAfter > plan.ImbalanceBefore * (1 - Options.MinGain))
            return Logged(Unchanged(plan.ImbalanceBefore, plan.ImbalanceBefore, $"the plan would gain less than {Options.MinGain:P0}"));

        LogPlanned(logger, trigger, plan.ImbalanceBefore, plan.ImbalanceAfter, plan.Loads.Length, plan.Unloads.Length);
        var changes = Changes(layout, plan.Shards);
        long bytes;
        try
        {
            // Load first: every replica holds its old and its new experts while the tables change over.
            bytes = await GrowAsync(plan.Shards, changes);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            await ShrinkAsync([.. layout.Select(held => held.ToImmutableArray())], bestEffort: true); // give back what was loaded; the table never changed
            return Logged(new RebalanceOutcome(started, trigger, false, table.Version, plan.ImbalanceBefore, plan.ImbalanceBefore,
                changes, 0, Stopwatch.GetElapsedTime(clock), $"loading the new experts failed: {error.Message.Split('\n', 2)[0]}"));
        }
        var adopted = await Table.Adopt(plan.Shards);
        _tableVersion = Math.Max(_tableVersion, adopted.Version);
        await DrainAsync(adopted.Version);
        await ShrinkAsync(plan.Shards, bestEffort: true);
        return Logged(new RebalanceOutcome(started, trigger, true, adopted.Version, plan.ImbalanceBefore, plan.ImbalanceAfter,
            changes, bytes, Stopwatch.GetElapsedTime(clock), null));
    }

    /// <summary>Each replica loads the experts its shard gains; returns the bytes of weights they took on.</summary>
    private async Task<long> GrowAsync(ImmutableArray<ImmutableArray<int>> layout, ImmutableArray<ShardChange> changes)
    {
        var grown = await Task.WhenAll(Replicas(layout.Length).Select(key =>
            Shard(key).EnsureLoaded(layout[key.Shard]).AsTask()));
        return grown.Sum(activation =>
        {
            int added = changes.First(c => c.Shard == activation.Shard).Added.Length;
            return activation.ExpertIds.IsDefaultOrEmpty ? 0 : activation.ResidentBytes / activation.ExpertIds.Length * added;
        });
    }

    /// <summary>Each replica keeps only its shard's experts in <paramref name="layout"/>.</summary>
    private async Task ShrinkAsync(ImmutableArray<ImmutableArray<int>> layout, bool bestEffort)
    {
        await Task.WhenAll(Replicas(layout.Length).Select(async key =>
        {
            try
            {
                await Shard(key).Retain(layout[key.Shard]);
            }
            catch (Exception error) when (bestEffort && error is not OutOfMemoryException)
            {
                // A replica that is gone holds nothing; one that failed keeps extra experts until the next rebalance.
                LogShrinkFailed(logger, key.Shard, key.Replica, error.Message.Split('\n', 2)[0]);
            }
        }));
    }

    /// <summary>Waits until every attention worker that reports routes by <paramref name="version"/> or newer, then a little more for exchanges under way; false when the drain timeout passed first.</summary>
    private async Task<bool> DrainAsync(long version)
    {
        var deadline = DateTime.UtcNow + Options.DrainTimeout;
        bool drained = true;
        while (LiveReports().Any(r => r.TableVersion < version))
        {
            if (DateTime.UtcNow >= deadline)
            {
                LogDrainTimedOut(logger, version, Options.DrainTimeout.TotalSeconds);
                drained = false;
                break;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
        await Task.Delay(Options.DrainGrace);
        return drained;
    }

    private IEnumerable<(int Shard, int Replica)> Replicas(int shards) =>
        from shard in Enumerable.Range(0, shards) from replica in Enumerable.Range(0, placement.Value.Replicas) select (shard, replica);

    private IExpertShardGrain Shard((int Shard, int Replica) key) =>
        GrainFactory.GetGrain<IExpertShardGrain>(IExpertShardGrain.Key(key.Shard, key.Replica));

    private IEnumerable<ExpertLoadReport> LiveReports()
    {
        var since = DateTime.UtcNow - Options.ReporterExpiry;
        return _reports.Values.Where(r => r.At >= since).Select(r => r.Report);
    }

    /// <summary>The live windows summed: [MoE layer][expert], and the routed pairs in all.</summary>
    private (double[][] Load, long Pairs) WindowLoad()
    {
        int experts = source.Config.NRoutedExperts;
        var byLayer = new SortedDictionary<int, double[]>();
        long pairs = 0;
        foreach (var report in LiveReports().Where(r => r.ExpertCount == experts))
        {
            for (int i = 0; i < report.Layers.Length; i++)
            {
                if (!byLayer.TryGetValue(report.Layers[i], out var row))
                    byLayer[report.Layers[i]] = row = new double[experts];
                for (int expert = 0; expert < experts; expert++)
                {
                    long count = report.RoutedPairs[i * experts + expert];
                    row[expert] += count;
                    pairs += count;
                }
            }
        }
        return ([.. byLayer.Values], pairs);
    }

    private static IReadOnlyList<IReadOnlyList<int>> Layout(PlacementTable table) =>
        [.. table.Shards.OrderBy(s => s.Shard).Select(s => (IReadOnlyList<int>)s.ExpertIds)];

    private static ImmutableArray<ShardChange> Changes(IReadOnlyList<IReadOnlyList<int>> before, ImmutableArray<ImmutableArray<int>> after) =>
        [.. after.Select((held, shard) => new ShardChange(shard, [.. held.Except(before[shard]).Order()], [.. before[shard].Except(held).Order()]))];

    private RebalanceOutcome Logged(RebalanceOutcome outcome)
    {
        if (outcome.Changed)
        {
            LogRebalanced(logger, outcome.Trigger, outcome.TableVersion, outcome.Took.TotalSeconds, outcome.ImbalanceBefore, outcome.ImbalanceAfter,
                outcome.BytesLoaded, string.Join("; ", outcome.Changes.Where(c => !c.Added.IsEmpty || !c.Removed.IsEmpty)
                    .Select(c => $"shard {c.Shard} +[{ExpertRanges.Describe(c.Added)}] -[{ExpertRanges.Describe(c.Removed)}]")));
        }
        else
        {
            LogUnchanged(logger, outcome.Trigger, outcome.ImbalanceBefore, outcome.Error ?? "the layout is already the best the planner finds");
        }
        return outcome;
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Rebalance ({Trigger}): imbalance {Before:F3} -> {After:F3} planned; loading {Loads} expert copies, then dropping {Unloads}")]
    private static partial void LogPlanned(ILogger logger, string trigger, double before, double after, int loads, int unloads);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Rebalanced ({Trigger}) to placement {Version} in {Seconds:F1} s: imbalance {Before:F3} -> {After:F3}, {Bytes} bytes loaded; {Moves}")]
    private static partial void LogRebalanced(ILogger logger, string trigger, long version, double seconds, double before, double after, long bytes, string moves);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebalance ({Trigger}) left the layout as it is (imbalance {Imbalance:F3}): {Reason}")]
    private static partial void LogUnchanged(ILogger logger, string trigger, double imbalance, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not every attention worker reported routing by placement {Version} within {Seconds} s; going on (a late exchange is re-routed)")]
    private static partial void LogDrainTimedOut(ILogger logger, long version, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shard {Shard} replica {Replica} could not drop the experts it gave up: {Reason}")]
    private static partial void LogShrinkFailed(ILogger logger, int shard, int replica, string reason);
}
