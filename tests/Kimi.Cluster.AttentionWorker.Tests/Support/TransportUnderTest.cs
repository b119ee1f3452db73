using Kimi.Cluster.AttentionWorker.Experts;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kimi.Cluster.AttentionWorker.Tests.Support;

/// <summary>A real <see cref="GrpcExpertTransport"/> with its placement view, connections and counters.</summary>
public sealed class TransportUnderTest : IDisposable
{
    public TransportUnderTest(FixedPlacement placement, TimeSpan? callTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(placement);
        var timeout = callTimeout ?? TimeSpan.FromSeconds(10);
        // A failure without a healthy replica left waits a moment for placement to give one, not the production 2 minutes.
        Placement = new PlacementView(placement, placement.Table, timeout, NullLogger<PlacementView>.Instance, failurePatience: TimeSpan.FromSeconds(1));
        Connections = new DataPlaneConnections(Counters);
        // Likewise a worker that says it does not hold what the newest table gives it is asked again for 1.5 s, not 10 s.
        Transport = new GrpcExpertTransport(Placement, Connections, Counters, new ExpertTransportOptions(timeout, LoadingPatience: LoadingPatience),
            NullLogger<GrpcExpertTransport>.Instance);
    }

    public static readonly TimeSpan LoadingPatience = TimeSpan.FromSeconds(1.5);

    public DataPlaneCounters Counters { get; } = new();

    public PlacementView Placement { get; }

    public DataPlaneConnections Connections { get; }

    public GrpcExpertTransport Transport { get; }

    public void Dispose() => Connections.Dispose();
}
