using System.Collections.Concurrent;
using Kimi.Cluster.Abstractions;

namespace Kimi.Cluster.AttentionWorker.Experts;

/// <summary>
/// This worker's view of expert placement: the latest table, and the endpoints that failed
/// lately. A failure re-reads the table from the cluster (ReportFailure) in the background;
/// callers wait for it only when no other replica can take the failed work meanwhile.
/// </summary>
/// <param name="failurePatience">How long failures of an endpoint that leave a shard with no healthy replica wait, all together, for placement to place one (default <see cref="RefreshPatience"/>).</param>
public sealed partial class PlacementView(
    IPlacementSource source, PlacementTable initial, TimeSpan refreshTimeout, ILogger<PlacementView> logger, TimeSpan? failurePatience = null)
{
    /// <summary>How long a failed endpoint is avoided when another replica of its shards exists.</summary>
    public static readonly TimeSpan BadEndpointCooldown = TimeSpan.FromSeconds(30);

    /// <summary>How long a failure keeps being reported while placement cannot be reached.</summary>
    public static readonly TimeSpan RefreshPatience = TimeSpan.FromMinutes(2);

    /// <summary>How long a call to placement goes unanswered before it is made again beside it (see <see cref="HedgedAsync"/>).</summary>
    public static readonly TimeSpan FirstHedgeDelay = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan RefreshRetryDelay = TimeSpan.FromSeconds(1);
    private readonly ConcurrentDictionary<string, DateTime> _badUntil = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Task> _refreshing = new(StringComparer.Ordinal); // under _gate
    private readonly ConcurrentDictionary<string, DateTime> _patienceEnds = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private PlacementSnapshot _current = Logged(PlacementSnapshot.Of(initial), logger);
    private PlacementSnapshot? _pending;
    private Task? _staleRefresh;

    public PlacementSnapshot Current => Volatile.Read(ref _current);

    /// <summary>
    /// The MoE layer a step's routed experts start at: a newer table offered in the background is
    /// taken up when a step reaches it, so a step routes by one table; null takes it up at once.
    /// </summary>
    public int? StepBoundaryLayer { get; set; }

    /// <summary>The version this worker routes by from its next step on (what a rebalance waits for before it unloads the old copies).</summary>
    public long RoutingVersion => Volatile.Read(ref _pending)?.Version ?? Current.Version;

    /// <summary>Called as each layer's routed experts are dispatched: at a step's first MoE layer, a newer table offered meanwhile is taken up.</summary>
    public void EnteringLayer(int layer)
    {
        if (layer == StepBoundaryLayer && Volatile.Read(ref _pending) is not null)
            TakeUpPending();
    }

    /// <summary>
    /// An expert worker no longer holds an expert the table at <paramref name="seenVersion"/> sends it
    /// (a rebalance moved it and this worker had not heard): take up a newer table, reading it now
    /// when none is known. The worker that said so is fine and is not avoided.
    /// </summary>
    /// <returns>Whether a table newer than <paramref name="seenVersion"/> is in use now; false means the worker lost the expert some other way (a replica moved off it) and the caller should fail over.</returns>
    public async Task<bool> RefreshStaleAsync(long seenVersion, CancellationToken cancellation)
    {
        TakeUpPending();
        if (Current.Version > seenVersion)
            return true;
        Task refresh;
        lock (_gate)
            refresh = _staleRefresh is { IsCompleted: false } running ? running : _staleRefresh = ReadStaleAsync();
        try
        {
            await refresh.WaitAsync(refreshTimeout, cancellation);
        }
        catch (TimeoutException)
        {
            // The caller's next attempt uses what is known by then.
        }
        return Current.Version > seenVersion;
    }

    private async Task ReadStaleAsync()
    {
        using var timeout = new CancellationTokenSource(refreshTimeout);
        try
        {
            Offer(await HedgedAsync(source.GetTableAsync, timeout.Token), atOnce: true);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            LogStaleRefreshFailed(logger, FirstLine(error.Message));
        }
    }

    private void TakeUpPending()
    {
        var pending = Interlocked.Exchange(ref _pending, null);
        if (pending is not null)
            Adopt(pending);
    }

    public bool IsBad(string endpoint) => _badUntil.TryGetValue(endpoint, out var until) && until > DateTime.UtcNow;

    /// <summary>
    /// Marks <paramref name="endpoint"/> failed and starts re-reading the table. Returns at once when
    /// every shard in <paramref name="shardIndexes"/> still has a healthy replica, else once a table
    /// gives each one again, asking placement again while none does: when every replica of a shard
    /// died, placement re-places it only once the cluster has declared their workers dead, which
    /// can take longer than one refresh. After the failure patience the caller retries with what
    /// it has.
    /// </summary>
    public async Task AfterFailureAsync(string endpoint, long seenVersion, IEnumerable<int> shardIndexes, CancellationToken cancellation)
    {
        var now = DateTime.UtcNow;
        _badUntil[endpoint] = now + BadEndpointCooldown;
        int[] indexes = [.. shardIndexes];
        // One patience per outage: the retries of a request (and other requests) that fail on the
        // same endpoint soon after share it, so a dead endpoint delays the failure once, not per attempt.
        var patience = failurePatience ?? RefreshPatience;
        var giveUp = _patienceEnds.AddOrUpdate(endpoint, now + patience,
            (_, end) => now < end + BadEndpointCooldown ? end : now + patience);
        bool Done() => EachHasAHealthyReplica(indexes) || DateTime.UtcNow >= giveUp;
        while (true)
        {
            var refresh = RefreshFor(endpoint, seenVersion);
            if (Done())
                return;
            try
            {
                await refresh.WaitAsync(AtMost(refreshTimeout, giveUp - DateTime.UtcNow), cancellation);
            }
            catch (TimeoutException)
            {
                // The refresh goes on in the background; look again.
            }
            if (Done())
                return;
            if (refresh.IsCompleted)
                await Task.Delay(AtMost(RefreshRetryDelay, giveUp - DateTime.UtcNow), cancellation); // placement answered without one: ask again
        }
    }

    private bool EachHasAHealthyReplica(int[] shardIndexes)
    {
        var shards = Current.Table.Shards;
        return shardIndexes.All(index => index < shards.Length && shards[index].Endpoints.Any(e => !IsBad(e)));
    }

    /// <summary><paramref name="limit"/>, or what is <paramref name="left"/> of the patience when that is less (never negative).</summary>
    private static TimeSpan AtMost(TimeSpan limit, TimeSpan left) => left <= TimeSpan.Zero ? TimeSpan.Zero : left < limit ? left : limit;

    /// <summary>The running failure report for <paramref name="endpoint"/>, or a new one when none runs.</summary>
    private Task RefreshFor(string endpoint, long seenVersion)
    {
        lock (_gate)
        {
            if (_refreshing.TryGetValue(endpoint, out var running) && !running.IsCompleted)
                return running;
            // A finished report stays in the map until replaced: removing it from inside the report
            // raced with registering it, and a report that finished first was never replaced.
            var refresh = RefreshAsync(seenVersion, endpoint);
            _refreshing[endpoint] = refresh;
            return refresh;
        }
    }

    /// <summary>
    /// Reports the failure until placement answers: the placement grain may have lived on the
    /// silo that died, and stays unreachable until the cluster declares that silo dead.
    /// </summary>
    private async Task RefreshAsync(long seenVersion, string endpoint)
    {
        await Task.Yield(); // runs outside the caller's lock
        var giveUp = DateTime.UtcNow + RefreshPatience;
        try
        {
            while (true)
            {
                try
                {
                    Offer(await ReadAfterFailureAsync(seenVersion, endpoint), atOnce: true);
                    return;
                }
                catch (Exception error) when (error is not OutOfMemoryException && DateTime.UtcNow < giveUp)
                {
                    LogRefreshRetry(logger, endpoint, FirstLine(error.Message));
                    await Task.Delay(RefreshRetryDelay);
                }
            }
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            // Keep routing by the table we have; the next failure asks again.
            LogRefreshFailed(logger, error, endpoint, RefreshPatience.TotalSeconds, FirstLine(error.Message));
        }
    }

    private async Task<PlacementTable> ReadAfterFailureAsync(long seenVersion, string endpoint)
    {
        using var timeout = new CancellationTokenSource(refreshTimeout);
        var table = await HedgedAsync(token => source.ReportFailureAsync(seenVersion, endpoint, token), timeout.Token);
        // A shard left without replicas is re-placed once the cluster has declared the dead
        // silo dead; reading the table again picks that up.
        while (table.Shards.Any(s => s.Endpoints.IsDefaultOrEmpty))
        {
            LogShardUnplaced(logger, table.Version);
            await Task.Delay(RefreshRetryDelay, timeout.Token);
            table = await HedgedAsync(source.GetTableAsync, timeout.Token);
        }
        return table;
    }

    /// <summary>
    /// Placement's first answer to <paramref name="call"/>, made again beside the calls before it
    /// each time none has answered for <see cref="FirstHedgeDelay"/>, then twice that, and so on.
    /// A call that reached the placement grain on a silo that then died is answered by nobody for as
    /// long as the call is given (30 s by default), while a call made once the cluster has declared
    /// that silo dead reaches the grain's new activation: two expert workers killed 0.6 s apart left
    /// every stream waiting 30.5 s for such an answer, with the new table built 28 s before. A call
    /// that fails is dropped; the last one's error is thrown when none is left.
    /// </summary>
    private static async Task<PlacementTable> HedgedAsync(Func<CancellationToken, Task<PlacementTable>> call, CancellationToken cancellation)
    {
        var calls = new List<Task<PlacementTable>> { call(cancellation).WaitAsync(cancellation) };
        var delay = FirstHedgeDelay;
        var hedge = Task.Delay(delay, cancellation);
        while (true)
        {
            var done = await Task.WhenAny([.. calls, hedge]);
            if (done == hedge)
            {
                cancellation.ThrowIfCancellationRequested();
                calls.Add(call(cancellation).WaitAsync(cancellation));
                delay *= 2;
                hedge = Task.Delay(delay, cancellation);
                continue;
            }
            var answered = (Task<PlacementTable>)done;
            calls.Remove(answered);
            if (answered.IsCompletedSuccessfully || calls.Count == 0)
                return await answered;
        }
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    /// <summary>
    /// Adopts <paramref name="table"/> if it is newer than the current one: at once when
    /// <paramref name="atOnce"/> (a failure is waiting for it) or no step boundary is set, else at
    /// the next step's first MoE layer. An endpoint it lists that failed before the table was built
    /// answered placement since (a restarted worker on the same port, say): it is avoided no
    /// longer, which matters when it holds a shard's only replicas. Table versions are the
    /// placement grain's clock ticks at build time.
    /// </summary>
    public void Offer(PlacementTable table, bool atOnce = false)
    {
        var snapshot = PlacementSnapshot.Of(table);
        if (atOnce || StepBoundaryLayer is null)
        {
            Adopt(snapshot);
            return;
        }
        lock (_gate)
        {
            if (snapshot.Version > Math.Max(_current.Version, _pending?.Version ?? 0))
                Volatile.Write(ref _pending, snapshot);
        }
    }

    private void Adopt(PlacementSnapshot snapshot)
    {
        var table = snapshot.Table;
        lock (_gate)
        {
            if (snapshot.Version <= _current.Version)
                return;
            Volatile.Write(ref _current, snapshot);
            if (_pending is not null && _pending.Version <= snapshot.Version)
                _pending = null;
        }
        var built = new DateTime(Math.Clamp(table.Version, DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks), DateTimeKind.Utc);
        foreach (var endpoint in table.Shards.SelectMany(s => s.Endpoints).Distinct())
        {
            if (_badUntil.TryGetValue(endpoint, out var until) && until - BadEndpointCooldown < built)
                _badUntil.TryRemove(endpoint, out _);
        }
        Logged(snapshot, logger);
    }

    private static PlacementSnapshot Logged(PlacementSnapshot snapshot, ILogger logger)
    {
        var table = snapshot.Table;
        LogTable(logger, table.Version, table.ExpertCount, table.Shards.Length);
        foreach (var shard in table.Shards)
            LogShard(logger, shard.Shard, ExpertRanges.Describe(shard.ExpertIds), string.Join(", ", shard.Endpoints));
        foreach (var endpoint in table.Shards.SelectMany(s => s.Endpoints.Select(e => (Endpoint: e, s.Shard))).GroupBy(p => p.Endpoint))
            LogEndpoint(logger, endpoint.Key, string.Join(", ", endpoint.Select(p => p.Shard)));
        return snapshot;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Placement table v{Version}: {ExpertCount} routed experts in {ShardCount} shards")]
    private static partial void LogTable(ILogger logger, long version, int expertCount, int shardCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "  shard {Shard}: experts {Experts} served by {Endpoints}")]
    private static partial void LogShard(ILogger logger, int shard, string experts, string endpoints);

    [LoggerMessage(Level = LogLevel.Information, Message = "  expert worker {Endpoint} serves shards {Shards}")]
    private static partial void LogEndpoint(ILogger logger, string endpoint, string shards);

    [LoggerMessage(Level = LogLevel.Information, Message = "Placement table v{Version} has a shard without replicas; reading it again")]
    private static partial void LogShardUnplaced(ILogger logger, long version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not re-read the placement table after a worker said it no longer holds an expert: {Reason}")]
    private static partial void LogStaleRefreshFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Placement cannot take the failure of {Endpoint} yet ({Reason}); retrying")]
    private static partial void LogRefreshRetry(ILogger logger, string endpoint, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not re-read the placement table after {Endpoint} failed, for {Seconds} s: {Reason}")]
    private static partial void LogRefreshFailed(ILogger logger, Exception error, string endpoint, double seconds, string reason);
}
