using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Kimi.Cluster.Model.Configuration.Loading;
using Kimi.Cluster.ServiceDefaults;

namespace Kimi.Cluster.Launch;

/// <summary>
/// Owns one worker OS process (attention or expert worker): starts it, forwards its output to
/// the log and its weight-load progress to the display, waits for its READY line, notices when it dies, and stops it when disposed: SIGTERM
/// first, so it drains or leaves the cluster, and SIGKILL if it is still there after its stop timeout.
/// </summary>
public sealed partial class WorkerProcess : IAsyncDisposable
{
    private const int RecentLineCount = 40;
    private readonly WorkerProcessSpec _spec;
    private readonly Process _process;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource<Uri> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _exitedUnexpectedly = new();
    private readonly ConcurrentQueue<string> _recentLines = new();
    private volatile bool _stopping;
    private CancellationTokenRegistration _stopRequested;

    private WorkerProcess(WorkerProcessSpec spec, ILogger logger)
    {
        _spec = spec;
        _logger = logger;
        _process = new Process { StartInfo = WorkerCommandLine.Create(spec), EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, line) => OnStandardOutput(line.Data);
        _process.ErrorDataReceived += (_, line) => OnOutputLine(line.Data);
        _process.Exited += (_, _) => OnExited();
    }

    /// <summary>Where the worker serves GET /metrics, from the line it prints before READY; null if it printed none.</summary>
    public Uri? MetricsAddress { get; private set; }

    /// <summary>The metrics line goes with the READY line: ATTENTION_WORKER_READY → ATTENTION_WORKER_METRICS.</summary>
    private string MetricsPrefix => _spec.ReadyPrefix.Replace("_READY ", "_METRICS ", StringComparison.Ordinal);

    /// <summary>How logs call this worker, e.g. "expert worker 1".</summary>
    public string Name => _spec.Name;

    /// <summary>The worker's base address, from its READY line.</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>The worker's process id (0 before it started).</summary>
    public int ProcessId { get; private set; }

    /// <summary>Cancelled when the worker exits without having been asked to.</summary>
    public CancellationToken ExitedUnexpectedly => _exitedUnexpectedly.Token;

    public static async Task<WorkerProcess> StartAsync(WorkerProcessSpec spec, ILogger logger, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var worker = new WorkerProcess(spec, logger);
        // Ctrl+C in a terminal reaches the worker too (same process group): once the router
        // is stopping, the worker's exit is expected, not a failure.
        worker._stopRequested = cancellation.Register(() => worker._stopping = true);
        try
        {
            worker.Start();
            await worker.WaitUntilReadyAsync(spec.StartTimeout, cancellation);
            return worker;
        }
        catch
        {
            await worker.DisposeAsync();
            throw;
        }
    }

    private void Start()
    {
        LogStarting(_logger, Name, _process.StartInfo.FileName, string.Join(' ', _process.StartInfo.ArgumentList));
        try
        {
            _process.Start();
        }
        catch (Win32Exception error)
        {
            throw new WorkerStartException($"could not run {_process.StartInfo.FileName} for the {Name}: {error.Message}");
        }
        ProcessId = _process.Id;
        // Kill it even when the router's Main returns before this object is disposed.
        AppDomain.CurrentDomain.ProcessExit += OnRouterExit;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    private async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellation)
    {
        try
        {
            Address = await _ready.Task.WaitAsync(timeout, cancellation);
            LogReady(_logger, Name, Address, ProcessId);
        }
        catch (TimeoutException)
        {
            throw new WorkerStartException(
                $"the {Name} did not report ready within {timeout.TotalSeconds:0} s; its last output:{RecentOutput()}");
        }
    }

    private void OnStandardOutput(string? line)
    {
        if (LoadProgressReport.TryParseLine(line, out var progress))
        {
            (_spec.LoadProgress ?? LoadProgressDisplay.LogOnly(_logger)).Report(Name, progress);
            return;
        }
        if (line is not null && line.StartsWith(MetricsPrefix, StringComparison.Ordinal)
            && Uri.TryCreate(line[MetricsPrefix.Length..].Trim(), UriKind.Absolute, out var metrics))
        {
            MetricsAddress = metrics;
            return;
        }
        if (line is not null && line.StartsWith(_spec.ReadyPrefix, StringComparison.Ordinal))
        {
            if (Uri.TryCreate(line[_spec.ReadyPrefix.Length..].Trim(), UriKind.Absolute, out var address))
                _ready.TrySetResult(address);
            else
                _ready.TrySetException(new WorkerStartException($"the {Name} printed a malformed READY line: {line}"));
            return;
        }
        OnOutputLine(line);
    }

    private void OnOutputLine(string? line)
    {
        if (line is null)
            return;
        _recentLines.Enqueue(line);
        while (_recentLines.Count > RecentLineCount)
            _recentLines.TryDequeue(out _);
        LogWorkerOutput(_logger, Name, line);
    }

    private void OnExited()
    {
        if (_stopping)
            return;
        try
        {
            // Wait for the redirected output to drain, so its last lines are logged first.
            _process.WaitForExit();
            int exitCode = _process.ExitCode;
            _ready.TrySetException(new WorkerStartException(exitCode == WorkerExitCodes.LoadFailed && LoadFailure() is { } reason
                ? $"the {Name} could not load the model: {reason}"
                : $"the {Name} exited with code {exitCode} before it was ready; its last output:{RecentOutput()}", exitCode));
            if (_stopping)
                return;
            LogExited(_logger, Name, ProcessId, exitCode);
            _exitedUnexpectedly.Cancel();
        }
        catch (InvalidOperationException)
        {
            // Disposed meanwhile (ObjectDisposedException): the router is stopping it anyway.
        }
    }

    /// <summary>The one line a worker prints when it cannot load the model ("Cannot load …", "Cannot start …"), without its prefix.</summary>
    private string? LoadFailure() =>
        _recentLines.LastOrDefault(line => line.StartsWith("Cannot ", StringComparison.Ordinal)) is { } line
            ? line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim() : null;

    private string RecentOutput() =>
        _recentLines.IsEmpty ? " (none)" : Environment.NewLine + string.Join(Environment.NewLine, _recentLines);

    private void OnRouterExit(object? sender, EventArgs e) => Kill();

    /// <summary>Waits for the worker to exit (after a signal the caller sent, say); its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        return _process.ExitCode;
    }

    /// <summary>SIGTERM, then up to the stop timeout for the worker to exit; false when it did not (or signals are not there).</summary>
    private async Task<bool> TerminatedAsync()
    {
        try
        {
            if (ProcessId == 0 || _process.HasExited || OperatingSystem.IsWindows() || SendSignal(ProcessId, SignalTerminate) != 0)
                return false;
        }
        catch (InvalidOperationException)
        {
            return false; // never started
        }
        LogStopping(_logger, Name, ProcessId, _spec.StopTimeout.TotalSeconds);
        using var grace = new CancellationTokenSource(_spec.StopTimeout);
        try
        {
            await _process.WaitForExitAsync(grace.Token);
            LogStopped(_logger, Name, _process.ExitCode);
            return true;
        }
        catch (OperationCanceledException)
        {
            LogStopTimedOut(_logger, Name, _spec.StopTimeout.TotalSeconds);
            return false;
        }
    }

    private const int SignalTerminate = 15; // SIGTERM on Linux and macOS

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int SendSignal(int pid, int signal);

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
                _process.Kill(entireProcessTree: true);
        }
        catch (Exception error) when (error is InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // Not started, or already gone: nothing left to kill.
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        await _stopRequested.DisposeAsync();
        AppDomain.CurrentDomain.ProcessExit -= OnRouterExit;
        if (!await TerminatedAsync())
            await KillAndReapAsync();
        _process.Dispose();
        _exitedUnexpectedly.Dispose();
    }

    private async Task KillAndReapAsync()
    {
        Kill();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (Exception error) when (error is OperationCanceledException or InvalidOperationException)
        {
            // Never started, or the kernel is slow to reap it: the process object is released either way.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping the {Name} (pid {Pid}): SIGTERM, killed if still running after {Seconds} s")]
    private static partial void LogStopping(ILogger logger, string name, int pid, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "The {Name} stopped with code {ExitCode}")]
    private static partial void LogStopped(ILogger logger, string name, int exitCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Name} did not stop within {Seconds} s of SIGTERM: killing it")]
    private static partial void LogStopTimedOut(ILogger logger, string name, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Starting the {Name}: {FileName} {Arguments}")]
    private static partial void LogStarting(ILogger logger, string name, string fileName, string arguments);

    [LoggerMessage(Level = LogLevel.Information, Message = "The {Name} is ready at {Address} (pid {Pid})")]
    private static partial void LogReady(ILogger logger, string name, Uri address, int pid);

    [LoggerMessage(Level = LogLevel.Information, Message = "[{Name}] {Line}")]
    private static partial void LogWorkerOutput(ILogger logger, string name, string line);

    [LoggerMessage(Level = LogLevel.Error, Message = "The {Name} (pid {Pid}) exited unexpectedly with code {ExitCode}")]
    private static partial void LogExited(ILogger logger, string name, int pid, int exitCode);
}
