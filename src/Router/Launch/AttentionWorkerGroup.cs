using Kimi.Cluster.ServiceDefaults;

namespace Kimi.Cluster.Router.Launch;

/// <summary>
/// The attention-worker processes of a local cluster, started together, each on its own port and
/// all pointed at the same expert workers, and supervised: a worker that dies is started again on
/// the same ports (the address the router routes to, so the router's probe takes it back once it
/// answers), after a backoff that doubles from 1 s to 30 s. <see cref="AllExited"/> fires once
/// every worker has died and failed to restart <see cref="MaxRestartAttempts"/> times in a row (or
/// once, when it could not load the model):
/// the router keeps serving while any is left or coming back. Disposing stops them all.
/// </summary>
public sealed partial class AttentionWorkerGroup : IAsyncDisposable
{
    /// <summary>Failed restarts in a row after which a worker is given up.</summary>
    public const int MaxRestartAttempts = 5;

    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly WorkerProcess?[] _workers;
    private readonly Func<int, WorkerProcessSpec> _spec;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _allExited = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _restarts = [];
    private int _givenUp;

    private AttentionWorkerGroup(int count, Func<int, WorkerProcessSpec> spec, ILogger logger)
    {
        _workers = new WorkerProcess?[count];
        _spec = spec;
        _logger = logger;
    }

    /// <summary>The workers as first started (a restarted one keeps its predecessor's addresses).</summary>
    public IReadOnlyList<WorkerProcess> Workers { get; private set; } = [];

    /// <summary>Cancelled when no attention worker is left or coming back.</summary>
    public CancellationToken AllExited => _allExited.Token;

    public static async Task<AttentionWorkerGroup> StartAsync(
        int count, Func<int, WorkerProcessSpec> spec, ILogger logger, CancellationToken cancellation)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentNullException.ThrowIfNull(spec);
        var starts = Enumerable.Range(0, count).Select(index => WorkerProcess.StartAsync(spec(index), logger, cancellation)).ToArray();
        var group = new AttentionWorkerGroup(count, spec, logger);
        try
        {
            await Task.WhenAll(starts);
        }
        catch
        {
            // Stop every one that did start before reporting the failure.
            for (int i = 0; i < count; i++)
                group._workers[i] = starts[i].IsCompletedSuccessfully ? starts[i].Result : null;
            await group.DisposeAsync();
            throw;
        }
        for (int i = 0; i < count; i++)
            group.Supervise(i, starts[i].Result);
        group.Workers = [.. starts.Select(t => t.Result)];
        return group;
    }

    /// <summary>The name `local` gives worker <paramref name="index"/> of <paramref name="count"/>.</summary>
    public static string Name(int index, int count) =>
        count == 1 ? WorkerProgram.Attention.Name : $"{WorkerProgram.Attention.Name} {index}";

    private void Supervise(int index, WorkerProcess worker)
    {
        _workers[index] = worker;
        worker.ExitedUnexpectedly.Register(() =>
        {
            lock (_restarts)
            {
                if (!_stopping.IsCancellationRequested)
                    _restarts.Add(RestartAsync(index, worker));
            }
        });
    }

    /// <summary>Starts worker <paramref name="index"/> again on <paramref name="dead"/>'s ports, with backoff, until it runs or is given up.</summary>
    private async Task RestartAsync(int index, WorkerProcess dead)
    {
        var spec = _spec(index);
        spec = spec with { Arguments = SamePorts(spec.Arguments, dead) };
        var backoff = FirstBackoff;
        for (int attempt = 1; attempt <= MaxRestartAttempts; attempt++)
        {
            try
            {
                // The backoff is the supervisor's pacing, so a worker that keeps crashing does not spin.
                await Task.Delay(backoff, _stopping.Token);
                LogRestarting(_logger, dead.Name, attempt, backoff.TotalSeconds);
                var restarted = await WorkerProcess.StartAsync(spec, _logger, _stopping.Token);
                await dead.DisposeAsync();
                Supervise(index, restarted);
                LogRestarted(_logger, dead.Name, restarted.ProcessId, restarted.Address);
                return;
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (WorkerStartException error)
            {
                LogRestartFailed(_logger, dead.Name, attempt, error.Message);
                // It could not load the model (and said why): another attempt would fail the same way.
                if (error.ExitCode == WorkerExitCodes.LoadFailed)
                    break;
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
        if (Interlocked.Increment(ref _givenUp) == _workers.Length)
            _allExited.Cancel();
    }

    /// <summary>The worker's arguments with its port and metrics port fixed to those the dead one had.</summary>
    private static List<string> SamePorts(IReadOnlyList<string> arguments, WorkerProcess dead)
    {
        var fixedPorts = arguments.ToList();
        Fix(fixedPorts, "--port", dead.Address.Port);
        if (dead.MetricsAddress is { } metrics)
            Fix(fixedPorts, "--metrics-port", metrics.Port);
        return fixedPorts;
    }

    private static void Fix(List<string> arguments, string option, int port)
    {
        int at = arguments.IndexOf(option);
        if (at >= 0 && at + 1 < arguments.Count)
            arguments[at + 1] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        Task[] restarts;
        lock (_restarts)
        {
            _stopping.Cancel();
            restarts = [.. _restarts];
        }
        await Task.WhenAll(restarts);
        foreach (var worker in _workers)
        {
            if (worker is not null)
                await worker.DisposeAsync();
        }
        _allExited.Dispose();
        _stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Restarting the {Name} (attempt {Attempt}, after {Seconds} s)")]
    private static partial void LogRestarting(ILogger logger, string name, int attempt, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "The {Name} restarted (pid {Pid}) at {Address}")]
    private static partial void LogRestarted(ILogger logger, string name, int pid, Uri address);

    [LoggerMessage(Level = LogLevel.Error, Message = "The {Name} failed to restart (attempt {Attempt}): {Reason}")]
    private static partial void LogRestartFailed(ILogger logger, string name, int attempt, string reason);
}
