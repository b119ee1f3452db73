using Kimi.Cluster.AttentionWorker.Batching;
using Kimi.Cluster.ServiceDefaults;

namespace Kimi.Cluster.AttentionWorker.Hosting;

/// <summary>
/// The attention worker's graceful stop, before any hosted service stops: health turns
/// NOT_SERVING and new Generate calls are refused UNAVAILABLE (the router retries them on another
/// worker) while running generations finish, for at most the drain timeout. Whatever is left
/// then fails when the batcher's loop stops; Kestrel stops after that.
/// </summary>
public sealed partial class WorkerDrain(GenerationBatcher batcher, TimeSpan drainTimeout, ILogger<WorkerDrain> logger) : GracefulStop
{
    protected override async Task DrainAsync(CancellationToken cancellationToken)
    {
        var drained = batcher.DrainAsync();
        LogDraining(logger, batcher.PendingCount, drainTimeout.TotalSeconds);
        try
        {
            await drained.WaitAsync(drainTimeout, cancellationToken);
            LogDrained(logger);
        }
        catch (TimeoutException)
        {
            LogDrainTimedOut(logger, drainTimeout.TotalSeconds, batcher.PendingCount);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: NOT_SERVING, refusing new requests; draining {Pending} running generations (at most {Seconds} s)")]
    private static partial void LogDraining(ILogger logger, int pending, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Drained: every running generation finished")]
    private static partial void LogDrained(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Drain timeout ({Seconds} s) ran out; cancelling {Pending} generations")]
    private static partial void LogDrainTimedOut(ILogger logger, double seconds, int pending);
}
