using System.Globalization;
using Kimi.Cluster.ServiceDefaults;

namespace Kimi.Cluster.Launch;

/// <summary>
/// Keeps a set of worker processes running: one that dies is started again on the ports it
/// had (so whoever routes to it finds it at the same address), after a backoff that doubles from
/// 1 s to 30 s, and each restart is logged. A worker that fails <see cref="MaxRestartAttempts"/>
/// restarts in a row, or exits because it cannot load the model (starting it again would fail the
/// same way), is given up; <see cref="AllGivenUp"/> fires once every worker has been. Workers can
/// be added while it runs, and retired (stopped the graceful way, not restarted). Disposing
/// stops the restarts and then the workers, last started first.
/// </summary>
public sealed partial class WorkerSupervisor : IAsyncDisposable
{
    /// <summary>Failed restarts in a row after which a worker is given up.</summary>
    public const int MaxRestartAttempts = 5;

    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly List<WorkerProcess?> _workers;
    private readonly HashSet<int> _retired = [];
    private readonly Func<int, WorkerProcessSpec> _spec;
    private readonly string _addressPortOption;
    private readonly ILogger _logger;
    private readonly Action<int>? _died;
    private readonly CancellationTokenSource _allGivenUp = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _restarts = [];
    private int _givenUp;

    /// <param name="spec">How worker i is started; a restart fixes its ports to the dead one's.</param>
    /// <param name="addressPortOption">The option whose port the worker's READY address reports (--port, --data-plane-port).</param>
    /// <param name="died">Told a worker's index as soon as it exits unexpectedly, before its restart is scheduled.</param>
    public WorkerSupervisor(int count, Func<int, WorkerProcessSpec> spec, string addressPortOption, ILogger logger, Action<int>? died = null)
    {
        _workers = [.. new WorkerProcess?[count]];
        _spec = spec;
        _addressPortOption = addressPortOption;
        _logger = logger;
        _died = died;
    }

    /// <summary>Cancelled when no worker is left or coming back.</summary>
    public CancellationToken AllGivenUp => _allGivenUp.Token;

    /// <summary>Watches worker <paramref name="index"/>, restarting it when it exits without being asked to.</summary>
    public void Supervise(int index, WorkerProcess worker)
    {
        ArgumentNullException.ThrowIfNull(worker);
        lock (_restarts)
            _workers[index] = worker;
        worker.ExitedUnexpectedly.Register(() =>
        {
            if (!_stopping.IsCancellationRequested)
                _died?.Invoke(index);
            lock (_restarts)
            {
                if (!_stopping.IsCancellationRequested && !_retired.Contains(index))
                    _restarts.Add(RestartAsync(index, worker));
            }
        });
    }

    /// <summary>Makes room for one more worker; its index, for <see cref="Supervise"/>.</summary>
    public int AddSlot()
    {
        lock (_restarts)
        {
            _workers.Add(null);
            return _workers.Count - 1;
        }
    }

    /// <summary>
    /// Stops worker <paramref name="index"/> the graceful way (SIGTERM, then up to its stop timeout)
    /// and no longer restarts it; false when there is no such worker running.
    /// </summary>
    public async Task<bool> RetireAsync(int index)
    {
        WorkerProcess? worker;
        lock (_restarts)
        {
            if (index < 0 || index >= _workers.Count || _workers[index] is null || !_retired.Add(index))
                return false;
            worker = _workers[index];
            _workers[index] = null;
        }
        await worker!.DisposeAsync();
        return true;
    }

    /// <summary>The workers running now (a restarted one in its predecessor's place), by index; retired ones are gone.</summary>
    public IReadOnlyList<(int Index, WorkerProcess Worker)> Running()
    {
        lock (_restarts)
            return [.. _workers.Select((w, i) => (i, w)).Where(p => p.w is not null).Select(p => (p.i, p.w!))];
    }

    /// <summary>Starts worker <paramref name="index"/> again in <paramref name="dead"/>'s place, with backoff, until it runs or is given up.</summary>
    private async Task RestartAsync(int index, WorkerProcess dead)
    {
        var spec = SamePorts(_spec(index), dead);
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
                bool retired;
                lock (_restarts)
                    retired = _retired.Contains(index);
                if (retired)
                {
                    await restarted.DisposeAsync(); // retired while it was coming back
                    return;
                }
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
        lock (_restarts)
        {
            if (++_givenUp + _retired.Count >= _workers.Count)
                _allGivenUp.Cancel();
        }
    }

    /// <summary>
    /// <paramref name="spec"/> with the ports the dead worker had: the one its address reports and its
    /// metrics port (other ports, such as an expert worker's Orleans ports, are fixed in the spec already).
    /// </summary>
    private WorkerProcessSpec SamePorts(WorkerProcessSpec spec, WorkerProcess dead)
    {
        var arguments = WithPort(spec.Arguments, _addressPortOption, dead.Address.Port);
        if (dead.MetricsAddress is { } metrics)
            arguments = WithPort(arguments, "--metrics-port", metrics.Port);
        return spec with { Arguments = arguments };
    }

    /// <summary><paramref name="arguments"/> with <paramref name="option"/>'s value set to <paramref name="port"/> (when the option is there).</summary>
    private static List<string> WithPort(IReadOnlyList<string> arguments, string option, int port)
    {
        var fixedPort = arguments.ToList();
        int at = fixedPort.IndexOf(option);
        if (at >= 0 && at + 1 < fixedPort.Count)
            fixedPort[at + 1] = port.ToString(CultureInfo.InvariantCulture);
        return fixedPort;
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
        foreach (var (_, worker) in Running().Reverse())
            await worker.DisposeAsync();
        _allGivenUp.Dispose();
        _stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Restarting the {Name} (attempt {Attempt}, after {Seconds} s)")]
    private static partial void LogRestarting(ILogger logger, string name, int attempt, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "The {Name} restarted (pid {Pid}) at {Address}")]
    private static partial void LogRestarted(ILogger logger, string name, int pid, Uri address);

    [LoggerMessage(Level = LogLevel.Error, Message = "The {Name} failed to restart (attempt {Attempt}): {Reason}")]
    private static partial void LogRestartFailed(ILogger logger, string name, int attempt, string reason);
}
