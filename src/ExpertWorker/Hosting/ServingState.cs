using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Kimi.Cluster.ExpertWorker.Hosting;

/// <summary>
/// Whether this expert worker still serves: draining starts at shutdown (health turns
/// NOT_SERVING), and <see cref="Left"/> fires once the silo has left the cluster, which ends
/// the data-plane streams. It also notes when the data plane last served, so that a leaving
/// worker knows whether anyone still routes to it.
/// </summary>
public sealed class ServingState : IHealthCheck, IDisposable
{
    private readonly CancellationTokenSource _left = new();
    private volatile bool _draining;
    private long _lastBatch;
    private int _openStreams;

    /// <summary>
    /// No batch for this long means no attention worker is sending here: all route around this
    /// worker already, or none is busy.
    /// </summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromSeconds(3);

    public bool IsDraining => _draining;

    public CancellationToken Left => _left.Token;

    public void BeginDraining() => _draining = true;

    /// <summary>The data plane answered a batch.</summary>
    public void BatchServed() => Volatile.Write(ref _lastBatch, Stopwatch.GetTimestamp());

    /// <summary>An attention worker opened an exchange stream to this worker's data plane.</summary>
    public void StreamOpened() => Interlocked.Increment(ref _openStreams);

    public void StreamClosed() => Interlocked.Decrement(ref _openStreams);

    /// <summary>
    /// Whether attention workers still route batches here: a stream is open and a batch came
    /// within <see cref="Quiet"/>. False once they all route elsewhere, or have stopped (the
    /// whole cluster stopping, say).
    /// </summary>
    public bool Routed
    {
        get
        {
            long last = Volatile.Read(ref _lastBatch);
            return Volatile.Read(ref _openStreams) > 0 && last != 0 && Stopwatch.GetElapsedTime(last) < Quiet;
        }
    }

    public void LeftCluster() => _left.Cancel();

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_draining
            ? HealthCheckResult.Unhealthy("the expert worker is shutting down")
            : HealthCheckResult.Healthy("the expert worker is serving"));

    public void Dispose() => _left.Dispose();
}
