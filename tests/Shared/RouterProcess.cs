using System.Collections.Concurrent;
using System.Diagnostics;
using Kimi.Cluster.Launch;

namespace Kimi.Cluster.Tests.Shared;

/// <summary>
/// A real `dotnet Kimi.Cluster.Router.dll ...` process (the router dll sits in the test's
/// output folder, with the worker's build path baked in): captures its output, and kills
/// its whole tree (router and worker) when disposed.
/// </summary>
public sealed class RouterProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TaskCompletionSource<Uri> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<Uri> _grpcReady = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private RouterProcess(Process process) => _process = process;

    public string Output => string.Join(Environment.NewLine, _output);

    /// <summary>The router's process id.</summary>
    public int Pid => _process.Id;

    public static RouterProcess Start(params string[] arguments) => Start(new Dictionary<string, string>(), arguments);

    /// <summary>Starts the router with <paramref name="environment"/> added to its environment (a cluster credential it then gives its workers).</summary>
    public static RouterProcess Start(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var startInfo = new ProcessStartInfo(DotnetHost.Path())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment)
            startInfo.Environment[name] = value;
        startInfo.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Kimi.Cluster.Router.dll"));
        foreach (string argument in arguments)
            startInfo.ArgumentList.Add(argument);
        var router = new RouterProcess(new Process { StartInfo = startInfo, EnableRaisingEvents = true });
        router.Begin();
        return router;
    }

    private void Begin()
    {
        _process.OutputDataReceived += (_, line) => OnLine(line.Data, isStdout: true);
        _process.ErrorDataReceived += (_, line) => OnLine(line.Data, isStdout: false);
        _process.Exited += (_, _) =>
        {
            _ready.TrySetException(new InvalidOperationException("the router exited before it was ready"));
            _grpcReady.TrySetException(new InvalidOperationException("the router exited before its gRPC API was ready"));
        };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    private void OnLine(string? line, bool isStdout)
    {
        if (line is null)
            return;
        _output.Enqueue(line);
        const string prefix = "ROUTER_READY ";
        const string grpcPrefix = "ROUTER_GRPC_READY ";
        if (isStdout && line.StartsWith(prefix, StringComparison.Ordinal))
            _ready.TrySetResult(new Uri(line[prefix.Length..].Trim()));
        else if (isStdout && line.StartsWith(grpcPrefix, StringComparison.Ordinal))
            _grpcReady.TrySetResult(new Uri(line[grpcPrefix.Length..].Trim()));
    }

    /// <summary>The gRPC API's address, once it printed ROUTER_GRPC_READY (started with --grpc-port).</summary>
    public Task<Uri> WaitUntilGrpcReadyAsync(TimeSpan timeout) => WaitForAsync(_grpcReady.Task, timeout);

    /// <summary>The router's base address, once it printed ROUTER_READY; fails with its output otherwise.</summary>
    public Task<Uri> WaitUntilReadyAsync(TimeSpan timeout) => WaitForAsync(_ready.Task, timeout);

    private async Task<Uri> WaitForAsync(Task<Uri> ready, TimeSpan timeout)
    {
        try
        {
            return await ready.WaitAsync(timeout);
        }
        catch (Exception error) when (error is TimeoutException or InvalidOperationException)
        {
            if (_process.HasExited)
                await DrainedAsync(TimeSpan.FromSeconds(10));
            throw new InvalidOperationException($"router not ready ({error.Message}); its output:{Environment.NewLine}{Output}", error);
        }
    }

    /// <summary>
    /// Waits for a router that is expected to exit by itself and returns its exit code; by then every
    /// line it wrote is in <see cref="Output"/> (the wait ends when both output pipes are read to the end).
    /// </summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await DrainedAsync(timeout);
        return _process.ExitCode;
    }

    private async Task DrainedAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancellation.Token);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
                _process.Kill(entireProcessTree: true);
            using var cancellation = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(cancellation.Token);
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }
        _process.Dispose();
    }
}
