using System.Collections.Concurrent;
using Kimi.Cluster.Abstractions;
using Kimi.Cluster.ExpertWorker.Cli;
using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.RoutedExperts;
using Kimi.Cluster.ServiceDefaults;

namespace Kimi.Cluster.ExpertWorker.Hosting;

/// <summary>
/// Loads the experts of the shards placed on this worker (their grains ask), reporting
/// progress while any load runs: the shards that load together count as one load. A shard that
/// cannot load (<see cref="LoadErrors.IsExpected"/>) is not read again: every later activation
/// fails at once with the same reason, and the worker stops with <see cref="WorkerExitCodes.LoadFailed"/>
/// once callers have had time to hear why.
/// </summary>
public sealed partial class ShardLoader(
    ExpertShardSet shards, ExpertWorkerOptions options, IHostApplicationLifetime lifetime, ILogger<ShardLoader> logger)
{
    /// <summary>How long a worker whose shard failed to load stays up, so the failure reaches those waiting on it.</summary>
    public static readonly TimeSpan StopAfterFailure = TimeSpan.FromSeconds(3);

    private readonly ConcurrentDictionary<int, string> _failures = new();
    private readonly Lock _gate = new();
    private LoadProgress _progress = new();
    private LoadProgressAnnouncer? _announcer;
    private int _running;

    /// <summary>The process's exit code: 0, or <see cref="WorkerExitCodes.LoadFailed"/> after a shard failed to load.</summary>
    public int ExitCode => _failures.IsEmpty ? 0 : WorkerExitCodes.LoadFailed;

    /// <summary>Makes the replica hold <paramref name="expertIds"/> too (<see cref="ExpertShardSet.Load"/>); returns what it holds now.</summary>
    public async Task<IReadOnlyList<int>> LoadAsync(int shard, int replica, IReadOnlyList<int> expertIds, CancellationToken cancellation)
    {
        if (_failures.TryGetValue(shard, out var known))
            throw new ExpertShardLoadException(shard, replica, known);
        var progress = BeginLoad();
        try
        {
            // Loading is CPU and disk work: keep it off the grain scheduler.
            return await Task.Run(() => shards.Load(shard, replica, expertIds, progress), cancellation);
        }
        catch (Exception error) when (LoadErrors.IsExpected(error))
        {
            Fail(shard, replica, error.Message);
            throw new ExpertShardLoadException(shard, replica, error.Message);
        }
        finally
        {
            EndLoad();
        }
    }

    private LoadProgress BeginLoad()
    {
        lock (_gate)
        {
            if (_running++ == 0)
            {
                _progress = new LoadProgress();
                _announcer = new LoadProgressAnnouncer(_progress.Report, logger, toLauncher: options.ParentPid is not null);
            }
            return _progress;
        }
    }

    private void EndLoad()
    {
        lock (_gate)
        {
            if (--_running > 0 || _announcer is null)
                return;
            if (options.ModelDirectory is not null && _progress.Report().Tensors > 0)
                _announcer.Finish();
            _announcer.Dispose();
            _announcer = null;
        }
    }

    private void Fail(int shard, int replica, string reason)
    {
        if (!_failures.TryAdd(shard, reason))
            return;
        LogLoadFailed(logger, shard, replica, reason);
        _ = Task.Delay(StopAfterFailure).ContinueWith(_ => lifetime.StopApplication(), TaskScheduler.Default);
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "Cannot load expert shard {Shard} (replica {Replica}): {Reason}; stopping this worker")]
    private static partial void LogLoadFailed(ILogger logger, int shard, int replica, string reason);
}
