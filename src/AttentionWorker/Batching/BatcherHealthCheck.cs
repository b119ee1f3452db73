using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Kimi.Cluster.AttentionWorker.Batching;

/// <summary>Reports the worker healthy while the batcher's engine loop is running.</summary>
public sealed class BatcherHealthCheck(GenerationBatcher batcher) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(batcher.IsRunning
            ? HealthCheckResult.Healthy("the generation loop is running")
            : HealthCheckResult.Unhealthy("the generation loop is not running"));
}
