using Microsoft.Extensions.Hosting;

namespace Kimi.Cluster.ServiceDefaults;

/// <summary>
/// A worker's graceful stop: <see cref="DrainAsync"/> runs when the host begins to stop, before
/// any hosted service (the batching loop, the silo, Kestrel) stops, so the process can turn
/// NOT_SERVING and finish or hand off its work while it still answers.
/// </summary>
public abstract class GracefulStop : IHostedLifecycleService
{
    /// <summary>Turns the process away from new work and lets the running work end (the host's shutdown timeout bounds it).</summary>
    protected abstract Task DrainAsync(CancellationToken cancellationToken);

    public Task StoppingAsync(CancellationToken cancellationToken) => DrainAsync(cancellationToken);

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
