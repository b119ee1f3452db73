using Kimi.Cluster.Router.Images;
using Kimi.Cluster.Router.Routing;
using Kimi.Cluster.ServiceDefaults;

namespace Kimi.Cluster.Router.Hosting;

/// <summary>
/// Which attention workers the router fronts (all serving the same model) and where its HTTP API
/// listens (port 0 picks a free one). ModelDirectory is the workers' model directory, read for
/// the tokenizer and chat template (null: the built-in tiny model's tokenizer, if that is what
/// the workers serve).
/// GrpcPort is where the KimiGenerate gRPC API listens (HTTP/2 only; 0 picks a free one; null: no gRPC API).
/// MetricsTargets are the other processes' /metrics addresses, listed in GET /health (what `local` started).
/// </summary>
public sealed record RouterHostOptions(IReadOnlyList<Uri> WorkerAddresses, string Host, int Port)
{
    public string? ModelDirectory { get; init; }

    public int? GrpcPort { get; init; }

    /// <summary>An extra HTTP/1.1 listener for Prometheus (0 picks a free one); null: /metrics on the API port only.</summary>
    public int? MetricsPort { get; init; }

    public RouterLimits Limits { get; init; } = new();

    /// <summary>How image parts are taken (remote fetching, size caps).</summary>
    public ImageInputOptions Images { get; init; } = new();

    public RoutingOptions Routing { get; init; } = new();

    public IReadOnlyList<MetricsTarget> MetricsTargets { get; init; } = [];

    /// <summary>Presented to the attention workers on every call; null when none is configured.</summary>
    public ClusterCredential? ClusterCredential { get; init; }

    /// <summary>Mutual TLS to the attention workers (their addresses are https); null is cleartext.</summary>
    public ClusterTls? ClusterTls { get; init; }

    /// <summary>`local`'s expert workers, resized through /admin/expert-workers; null elsewhere.</summary>
    public Kimi.Cluster.Launch.ExpertWorkerGroup? ExpertWorkers { get; init; }
}
