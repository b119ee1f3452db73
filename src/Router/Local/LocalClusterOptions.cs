using Kimi.Cluster.Launch;
using Kimi.Cluster.Router.Hosting;
using Kimi.Cluster.Router.Images;
using Kimi.Cluster.Router.Routing;
using Kimi.Cluster.ServiceDefaults;

namespace Kimi.Cluster.Router.Local;

/// <summary>What `local` was asked for: the model, the worker layout and where the HTTP API listens.</summary>
/// <param name="ModelDirectory">Hugging Face model directory; null serves the built-in tiny model.</param>
/// <param name="Experts">How the routed experts are spread over expert workers.</param>
/// <param name="AttentionWorkerDll">--attention-worker, or null for the default location.</param>
/// <param name="ExpertWorkerDll">--expert-worker, or null for the default location.</param>
/// <param name="WorkerStartTimeout">How long each worker may take to report ready.</param>
/// <param name="ExpertCallTimeout">--expert-call-timeout for the attention worker, or null for its default.</param>
/// <param name="Host">Address the HTTP API binds to.</param>
/// <param name="Port">HTTP port; 0 picks a free one.</param>
public sealed record LocalClusterOptions(
    string? ModelDirectory,
    ExpertLayout Experts,
    string? AttentionWorkerDll,
    string? ExpertWorkerDll,
    TimeSpan WorkerStartTimeout,
    TimeSpan? ExpertCallTimeout,
    string Host,
    int Port)
{
    /// <summary>Engine options passed through to the attention worker as given (e.g. --kv-cache-tokens).</summary>
    public IReadOnlyList<string> EngineArguments { get; init; } = [];

    /// <summary>--grpc-port: where the gRPC API listens (0 picks a free one), or null for none.</summary>
    public int? GrpcPort { get; init; }

    /// <summary>How many attention-worker processes to start (--attention-workers).</summary>
    public int AttentionWorkers { get; init; } = 1;

    /// <summary>--orleans-redis: the expert workers' Redis membership table, or null for localhost clustering.</summary>
    public string? OrleansRedis { get; init; }

    public RouterLimits Limits { get; init; } = new();

    public ImageInputOptions Images { get; init; } = new();

    public RoutingOptions Routing { get; init; } = new();

    /// <summary>--tls-cert/--tls-key/--tls-ca: mutual TLS between the router and every worker; null (the default on loopback) is cleartext.</summary>
    public ClusterTls? Tls { get; init; }
}
