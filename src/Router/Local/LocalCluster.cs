using Kimi.Cluster.Launch;
using Kimi.Cluster.Router.Hosting;
using Kimi.Cluster.ServiceDefaults;

namespace Kimi.Cluster.Router.Local;

/// <summary>
/// Runs a whole cluster on this machine: the expert workers (if any), the attention workers, and
/// the router's HTTP API in front, for as long as any attention worker lives.
/// </summary>
public static partial class LocalCluster
{
    public static async Task<int> RunAsync(LocalClusterOptions options, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var loggerFactory = LoggerFactory.Create(logging => logging.ConfigureProcessLogging());
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
        catch (ClusterCredentialException error)
        {
            LogStartFailed(logger, error.Message);
            return 2;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return 0;
        }
    }

    private static async Task<int> RunClusterAsync(
        LocalClusterOptions options, ILoggerFactory loggerFactory, CancellationToken cancellation)
    {
        var logger = loggerFactory.CreateLogger("Kimi.Cluster.Router.Local");
        // Find both dlls before starting anything, so a missing one fails fast.
        string attentionDll = WorkerLocator.Resolve(WorkerProgram.Attention, options.AttentionWorkerDll);
        string? expertDll = options.Experts.IsDistributed ? WorkerLocator.Resolve(WorkerProgram.Expert, options.ExpertWorkerDll) : null;
        // Progress bars while the workers load (a terminal), log lines otherwise and after the start.
        await using var progress = LoadProgressDisplay.ForThisConsole(loggerFactory.CreateLogger("Kimi.Cluster.Router.Local.Loading"));
        // One credential per run (or the one the environment gives): the workers refuse callers
        // without it, so only this router reaches the attention workers and only they the experts.
        var credential = ClusterCredential.FromEnvironment() ?? ClusterCredential.Generate();
        var workerEnvironment = new Dictionary<string, string> { [ClusterCredential.EnvironmentVariable] = credential.Value };
        await using var experts = expertDll is null ? null : await ExpertWorkerGroup.StartAsync(
            expertDll, options.ModelDirectory, options.Experts, options.OrleansRedis, options.WorkerStartTimeout,
            loggerFactory.CreateLogger<ExpertWorkerGroup>(), cancellation, progress: progress, environment: workerEnvironment, tls: options.Tls);
        // An expert worker that dies does not stop the router: its replicas elsewhere, or the
        // placement table, take over its shards, and a request that cannot be served fails alone.
        WorkerProcessSpec Attention(int index) => new(
            AttentionWorkerGroup.Name(index, options.AttentionWorkers), attentionDll,
            [.. WorkerArguments.Attention(options.ModelDirectory, experts?.GatewayPorts, options.ExpertCallTimeout, options.OrleansRedis),
                .. options.EngineArguments, .. options.Tls?.Arguments ?? []],
            WorkerProgram.Attention.ReadyPrefix, options.WorkerStartTimeout, WorkerProgram.Attention.StopTimeout)
        {
            LoadProgress = progress,
            Environment = workerEnvironment,
        };
        await using var attention = await AttentionWorkerGroup.StartAsync(
            options.AttentionWorkers, Attention, loggerFactory.CreateLogger<WorkerProcess>(), cancellation);
        await progress.EndStartAsync();
        // The API is useless without attention workers: stop serving when every one has died and
        // failed to restart. While some are left, the router routes around the dead ones.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation, attention.AllExited);
        var host = new RouterHostOptions([.. attention.Workers.Select(w => w.Address)], options.Host, options.Port)
        {
            ModelDirectory = options.ModelDirectory,
            Limits = options.Limits,
            Images = options.Images,
            Routing = options.Routing,
            GrpcPort = options.GrpcPort,
            ClusterCredential = credential,
            ClusterTls = options.Tls,
            MetricsTargets = [.. MetricsTargets(attention.Workers), .. MetricsTargets(experts?.Workers ?? [])],
            ExpertWorkers = experts,
        };
        int exitCode = await RouterHost.RunAsync(host, stop.Token);
        if (attention.AllExited.IsCancellationRequested && !cancellation.IsCancellationRequested)
        {
            LogWorkerDied(logger);
            return 1;
        }
        return exitCode;
    }

    private static IEnumerable<MetricsTarget> MetricsTargets(IEnumerable<WorkerProcess> workers) =>
        workers.Where(w => w.MetricsAddress is not null).Select(w => new MetricsTarget(w.Name, new Uri(w.MetricsAddress!, "metrics").ToString()));

    [LoggerMessage(Level = LogLevel.Critical, Message = "Cannot start the local cluster: {Reason}")]
    private static partial void LogStartFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Every attention worker has exited and failed to restart; the router stops too")]
    private static partial void LogWorkerDied(ILogger logger);
}
