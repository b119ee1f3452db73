using System.Net;
using Kimi.Cluster.ServiceDefaults;

namespace Kimi.Cluster.ExpertWorker.Cli;

/// <summary>What an expert worker's command line asked for.</summary>
/// <param name="ModelDirectory">A Hugging Face model directory; null is the built-in tiny model.</param>
/// <param name="SiloPort">Orleans silo-to-silo port.</param>
/// <param name="GatewayPort">Orleans client gateway port.</param>
/// <param name="PrimarySiloPort">The silo port of the primary silo, which keeps the membership table (localhost clustering only; `local` hosts it).</param>
/// <param name="DataPlanePort">The gRPC data-plane port; 0 picks a free one.</param>
/// <param name="Shards">How many shards the experts are split into (the same on every worker).</param>
/// <param name="Replicas">How many replicas of each shard the cluster keeps.</param>
/// <param name="ParentPid">The process whose exit ends this worker.</param>
/// <param name="OrleansRedis">Redis connection string of the membership table; null is localhost clustering.</param>
/// <param name="AdvertiseAddress">The address other silos, clients and attention workers reach this worker at.</param>
/// <param name="MetricsPort">The HTTP/1.1 port serving GET /metrics (0 picks a free one); null serves none.</param>
public sealed record ExpertWorkerOptions(
    string? ModelDirectory, int SiloPort, int GatewayPort, int PrimarySiloPort, int DataPlanePort,
    int Shards, int Replicas, int? ParentPid, string? OrleansRedis = null, IPAddress? AdvertiseAddress = null,
    int? MetricsPort = null)
{
    /// <summary>How many MoE layers of a shard load at once: several checkpoint shards are read in parallel.</summary>
    public int LoadThreads { get; init; } = Kimi.Cluster.Model.Checkpoints.ParallelLoad.DefaultThreads;

    /// <summary>Where Orleans and the data plane are reached: loopback unless Redis membership spans machines.</summary>
    public IPAddress Advertised => OrleansRedis is null ? IPAddress.Loopback : AdvertiseAddress ?? IPAddress.Loopback;

    /// <summary>Listen on every interface when reached from elsewhere, on loopback otherwise.</summary>
    public IPAddress Listen => IPAddress.IsLoopback(Advertised) ? IPAddress.Loopback : IPAddress.Any;

    /// <summary>
    /// Checked on data-plane calls and on calls to this silo's grains, and presented on its own
    /// grain calls; null accepts any caller (logged as a warning at start).
    /// </summary>
    public ClusterCredential? Credential { get; init; }

    /// <summary>When the rebalancer moves and replicates experts.</summary>
    public Hosting.RebalanceOptions Rebalance { get; init; } = new();

    /// <summary>
    /// How long a worker that is asked to leave (SIGTERM, or ExpertAdmin.Leave) while it serves
    /// spends handing its replicas to the other workers and waiting for attention workers to
    /// route around it; its whole stop may take this and 30 s more.
    /// </summary>
    public TimeSpan HandoffTimeout { get; init; } = DefaultHandoffTimeout;

    public static readonly TimeSpan DefaultHandoffTimeout = TimeSpan.FromSeconds(120);

    /// <summary>What kind of worker this is ("cpu", "gpu", ...), published to placement and shown in its logs.</summary>
    public string DeviceTag { get; init; } = "cpu";

    /// <summary>The most shard replicas placement gives this worker (its memory may allow fewer); null: no limit but memory.</summary>
    public int? ShardBudget { get; init; }

    /// <summary>The device tags of the workers that may hold shard replicas, the same on every worker; null: every worker.</summary>
    public IReadOnlyList<string>? PlacementDevices { get; init; }

    /// <summary>Mutual TLS on the data plane and on Orleans' silo and gateway connections; null is cleartext.</summary>
    public ClusterTls? Tls { get; init; }
}
