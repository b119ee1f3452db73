using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;

namespace Kimi.Cluster.Router.Launch;

/// <summary>
/// Owns one attention worker OS process: starts it, forwards its output to the log,
/// waits for its READY line, notices when it dies, and kills it when disposed.
/// </summary>
public sealed partial class AttentionWorkerProcess : IAsyncDisposable
{
    /// <summary>The worker prints this prefix and its base address once it listens.</summary>
    public const string ReadyPrefix = "ATTENTION_WORKER_READY ";

    private const int RecentLineCount = 40;
    private readonly Process _process;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource<Uri> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _exitedUnexpectedly = new();
    private readonly ConcurrentQueue<string> _recentLines = new();
    private volatile bool _stopping;
    private CancellationTokenRegistration _stopRequested;

    private AttentionWorkerProcess(ProcessStartInfo startInfo, ILogger logger)
    {
        _logger = logger;
        _process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, line) => OnStandardOutput(line.Data);
        _process.ErrorDataReceived += (_, line) => OnOutputLine(line.Data);
        _process.Exited += (_, _) => OnExited();
    }

    /// <summary>The worker's gRPC base address, from its READY line.</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>Cancelled when the worker exits without having been asked to.</summary>
    public CancellationToken ExitedUnexpectedly => _exitedUnexpectedly.Token;

    public static async Task<AttentionWorkerProcess> StartAsync(
        WorkerLaunchOptions options, ILogger logger, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(options);
        var worker = new AttentionWorkerProcess(WorkerCommandLine.Create(options), logger);
        // Ctrl+C in a terminal reaches the worker too (same process group): once the router
        // is stopping, the worker's exit is expected, not a failure.
        worker._stopRequested = cancellation.Register(() => worker._stopping = true);
        try
        {
            worker.Start();
            await worker.WaitUntilReadyAsync(options.StartTimeout, cancellation);
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
        LogStarting(_logger, _process.StartInfo.FileName, string.Join(' ', _process.StartInfo.ArgumentList));
        try
        {
            _process.Start();
        }
        catch (Win32Exception error)
        {
            throw new WorkerStartException($"could not run {_process.StartInfo.FileName}: {error.Message}");
        }
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
            LogReady(_logger, Address, _process.Id);
        }
        catch (TimeoutException)
        {
            throw new WorkerStartException(
                $"the attention worker did not report ready within {timeout.TotalSeconds:0} s; its last output:{RecentOutput()}");
        }
    }

    private void OnStandardOutput(string? line)
    {
        if (line is not null && line.StartsWith(ReadyPrefix, StringComparison.Ordinal))
        {
            if (Uri.TryCreate(line[ReadyPrefix.Length..].Trim(), UriKind.Absolute, out var address))
                _ready.TrySetResult(address);
            else
                _ready.TrySetException(new WorkerStartException($"the attention worker printed a malformed READY line: {line}"));
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
        LogWorkerOutput(_logger, line);
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
            _ready.TrySetException(new WorkerStartException(
                $"the attention worker exited with code {exitCode} before it was ready; its last output:{RecentOutput()}"));
            if (_stopping)
                return;
            LogExited(_logger, exitCode);
            _exitedUnexpectedly.Cancel();
        }
        catch (InvalidOperationException)
        {
            // Disposed meanwhile (ObjectDisposedException): the router is stopping it anyway.
        }
    }

    private string RecentOutput() =>
        _recentLines.IsEmpty ? " (none)" : Environment.NewLine + string.Join(Environment.NewLine, _recentLines);

    private void OnRouterExit(object? sender, EventArgs e) => Kill();

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
        _process.Dispose();
        _exitedUnexpectedly.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Starting the attention worker: {FileName} {Arguments}")]
    private static partial void LogStarting(ILogger logger, string fileName, string arguments);

    [LoggerMessage(Level = LogLevel.Information, Message = "Attention worker ready at {Address} (pid {Pid})")]
    private static partial void LogReady(ILogger logger, Uri address, int pid);

    [LoggerMessage(Level = LogLevel.Information, Message = "[attention worker] {Line}")]
    private static partial void LogWorkerOutput(ILogger logger, string line);

    [LoggerMessage(Level = LogLevel.Error, Message = "The attention worker exited unexpectedly with code {ExitCode}")]
    private static partial void LogExited(ILogger logger, int exitCode);
}
