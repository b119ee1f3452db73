using Kimi.Cluster.ServiceDefaults;
using Orleans.Runtime;

namespace Kimi.Cluster.ExpertWorker.Hosting;

/// <summary>
/// The expert worker's graceful stop, before any hosted service stops: report NOT_SERVING, then
/// stop the silo gracefully (its grains deactivate, it leaves membership) while the data plane
/// still answers in-flight batches, then end the data-plane streams so attention workers move
/// to the replicas the placement table now lists. Kestrel stops last.
/// </summary>
public sealed partial class ExpertWorkerShutdown(Silo silo, ServingState state, ILogger<ExpertWorkerShutdown> logger) : GracefulStop
{
    protected override async Task DrainAsync(CancellationToken cancellationToken)
    {
        state.BeginDraining();
        LogLeaving(logger);
        try
        {
            await silo.StopAsync(cancellationToken);
            LogLeft(logger);
        }
        finally
        {
            state.LeftCluster();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: NOT_SERVING; leaving the Orleans cluster while the data plane finishes in-flight batches")]
    private static partial void LogLeaving(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Left the Orleans cluster; closing the data plane")]
    private static partial void LogLeft(ILogger logger);
}
