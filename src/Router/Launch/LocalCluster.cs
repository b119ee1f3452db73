using Kimi.Cluster.Router.Hosting;

namespace Kimi.Cluster.Router.Launch;

/// <summary>
/// Runs a whole cluster on this machine: one attention worker process, and the router's
/// HTTP API in front of it, for as long as both live.
/// </summary>
public static partial class LocalCluster
{
    /// <summary>Exit code for a request the cluster cannot serve yet (distributed experts).</summary>
    public const int NotAvailableExitCode = 2;

    public static async Task<int> RunAsync(LocalClusterOptions options, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ExpertWorkers != 0)
        {
            await Console.Error.WriteLineAsync(
                $"--expert-workers {options.ExpertWorkers}: distributed experts are not available yet; " +
                "run with --expert-workers 0 (the routed experts run inside the attention worker).");
            return NotAvailableExitCode;
        }
        using var loggerFactory = LoggerFactory.Create(RouterLogging.Configure);
        var logger = loggerFactory.CreateLogger("Kimi.Cluster.Router.Local");
        try
        {
            return await RunClusterAsync(options, loggerFactory, cancellation);
        }
        catch (WorkerStartException error)
        {
            LogStartFailed(logger, error.Message);
            return 1;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return 0;
        }
    }

    private static async Task<int> RunClusterAsync(
        LocalClusterOptions options, ILoggerFactory loggerFactory, CancellationToken cancellation)
    {
        string workerDll = AttentionWorkerLocator.Resolve(options.AttentionWorkerDll);
        var launch = new WorkerLaunchOptions(workerDll, options.ModelDirectory, options.WorkerStartTimeout);
        await using var worker = await AttentionWorkerProcess.StartAsync(
            launch, loggerFactory.CreateLogger<AttentionWorkerProcess>(), cancellation);
        // The API is useless without its worker: stop serving when the worker dies.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation, worker.ExitedUnexpectedly);
        int exitCode = await RouterHost.RunAsync(new RouterHostOptions(worker.Address, options.Host, options.Port), stop.Token);
        if (worker.ExitedUnexpectedly.IsCancellationRequested && !cancellation.IsCancellationRequested)
        {
            LogWorkerDied(loggerFactory.CreateLogger("Kimi.Cluster.Router.Local"));
            return 1;
        }
        return exitCode;
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "Cannot start the local cluster: {Reason}")]
    private static partial void LogStartFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The attention worker exited; the router stops too")]
    private static partial void LogWorkerDied(ILogger logger);
}
