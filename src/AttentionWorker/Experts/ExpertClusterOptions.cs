using Kimi.Cluster.Contracts.V1;

namespace Kimi.Cluster.AttentionWorker.Experts;

/// <summary>How this worker reaches the expert workers: their Orleans gateways or Redis membership, and how long it waits for them.</summary>
/// <param name="GatewayPorts">Orleans gateway ports of the expert silos on loopback (localhost clustering).</param>
/// <param name="CallTimeout">How long one expert batch may take before its endpoint counts as failed.</param>
/// <param name="ConnectTimeout">How long to keep trying to reach the cluster and read its placement table at startup.</param>
public sealed record ExpertClusterOptions(IReadOnlyList<int> GatewayPorts, TimeSpan CallTimeout, TimeSpan ConnectTimeout)
{
    public static readonly TimeSpan DefaultCallTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(120);

    /// <summary>Redis connection string of the membership table; the gateways are read from it instead of <see cref="GatewayPorts"/>.</summary>
    public string? OrleansRedis { get; init; }

    /// <summary>How activations travel to the expert workers and back: float32 (exact) or bfloat16 (half the bytes).</summary>
    public ActivationDType WireDtype { get; init; } = ActivationDType.Float32;

    /// <summary>Where the gateways are found, for logs and errors.</summary>
    public string Describe() => OrleansRedis is null
        ? $"gateway ports {string.Join(",", GatewayPorts)}"
        : "the gateways in the Redis membership table";
}
