using Kimi.Cluster.AttentionWorker.Batching;
using Kimi.Cluster.AttentionWorker.Experts;
using Kimi.Cluster.ServiceDefaults;

namespace Kimi.Cluster.AttentionWorker.Cli;

/// <summary>What the worker's command line asked for: the model, the port, the parent to outlive, the expert cluster and the batching limits.</summary>
/// <param name="ModelDirectory">A Hugging Face model directory; null serves the built-in tiny model.</param>
/// <param name="Port">The port to listen on (on <see cref="ListenAddress"/>); 0 picks a free one.</param>
/// <param name="ParentPid">The process whose exit ends this worker (the router that started it).</param>
/// <param name="Experts">Where the expert workers are; null runs the routed experts inside this worker.</param>
/// <param name="Batching">The KV cache's size and the scheduler's limits; null takes the defaults.</param>
/// <param name="MetricsPort">The HTTP/1.1 port serving GET /metrics (0 picks a free one); null serves none.</param>
public sealed record WorkerOptions(
    string? ModelDirectory, int Port, int? ParentPid, ExpertClusterOptions? Experts = null, BatchingOptions? Batching = null,
    int? MetricsPort = null)
{
    public static readonly TimeSpan DefaultDrainTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long a stopping worker lets running generations finish before cancelling them.</summary>
    public TimeSpan DrainTimeout { get; init; } = DefaultDrainTimeout;

    /// <summary>How many layers load at once: several checkpoint shards are read in parallel.</summary>
    public int LoadThreads { get; init; } = Kimi.Cluster.Model.Checkpoints.ParallelLoad.DefaultThreads;

    /// <summary>Where gRPC and metrics listen: loopback for `local`, every interface (0.0.0.0) in a pod.</summary>
    public System.Net.IPAddress ListenAddress { get; init; } = System.Net.IPAddress.Loopback;

    /// <summary>
    /// Checked on the router's calls and presented to the expert workers; null accepts any
    /// caller (logged as a warning at start).
    /// </summary>
    public ClusterCredential? Credential { get; init; }

    /// <summary>Mutual TLS on the gRPC port, on the expert data plane and on the Orleans client; null is cleartext.</summary>
    public ClusterTls? Tls { get; init; }
}
