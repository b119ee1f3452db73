using System.Diagnostics;
using Kimi.Cluster.Abstractions;
using Kimi.Cluster.ExpertWorker.Cli;
using Kimi.Cluster.ServiceDefaults;
using Orleans.Runtime;

namespace Kimi.Cluster.ExpertWorker.Hosting;

/// <summary>
/// The expert worker's graceful stop, before any hosted service stops: report NOT_SERVING; if the
/// data plane is serving, hand this worker's shard replicas to the other workers (they load them;
/// this worker keeps its copies) and wait until nothing routes here any more; then stop the silo
/// gracefully (its grains deactivate, it leaves membership) while the data plane still answers
/// in-flight batches, then end the data-plane streams. Kestrel stops last.
/// </summary>
public sealed partial class ExpertWorkerShutdown(
    Silo silo, ILocalSiloDetails local, IGrainFactory grains, ExpertWorkerOptions options, ServingState state, ILogger<ExpertWorkerShutdown> logger)
    : GracefulStop
{
    protected override async Task DrainAsync(CancellationToken cancellationToken)
    {
        state.BeginDraining();
        // Nobody routing here (the whole cluster stopping, or idle) makes a handoff moot: placement
        // re-places this worker's replicas once it has left.
        if (state.Routed && options.HandoffTimeout > TimeSpan.Zero)
            await HandOffAsync(cancellationToken);
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

    private async Task HandOffAsync(CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.HandoffTimeout);
        try
        {
            LogHandingOff(logger, options.HandoffTimeout.TotalSeconds);
            var table = await grains.GetGrain<IPlacementTableGrain>(0).Release(local.SiloAddress).AsTask().WaitAsync(timeout.Token);
            LogHandedOff(logger, table.Version, Stopwatch.GetElapsedTime(started).TotalSeconds);
            // Nothing routes here once every attention worker routes by the new table (the
            // rebalancer hears which table each routes by), or once batches stopped coming.
            var routing = grains.GetGrain<IExpertRebalancerGrain>(0).WaitForRouting(table.Version).AsTask();
            while (!routing.IsCompleted && state.Routed)
            {
                timeout.Token.ThrowIfCancellationRequested();
                await Task.WhenAny(routing, Task.Delay(TimeSpan.FromMilliseconds(200), timeout.Token));
            }
            LogDrained(logger, Stopwatch.GetElapsedTime(started).TotalSeconds,
                routing.IsCompletedSuccessfully && routing.Result ? "every attention worker routes by the new table" : "no batch came for a while");
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            // Leaving anyway: attention workers fail over to the other replicas, or wait for placement to re-place them.
            LogHandOffFailed(logger, Stopwatch.GetElapsedTime(started).TotalSeconds, error.Message.Split('\n', 2)[0]);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping while serving: handing this worker's shard replicas to the other workers (at most {Seconds} s)")]
    private static partial void LogHandingOff(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "The other workers hold this worker's replicas (placement {Version}) after {Seconds:F1} s; waiting until nothing routes here")]
    private static partial void LogHandedOff(ILogger logger, long version, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Handed off in {Seconds:F1} s: {Why}")]
    private static partial void LogDrained(ILogger logger, double seconds, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The handoff did not finish ({Seconds:F1} s): {Reason}; leaving anyway")]
    private static partial void LogHandOffFailed(ILogger logger, double seconds, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: NOT_SERVING; leaving the Orleans cluster while the data plane finishes in-flight batches")]
    private static partial void LogLeaving(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Left the Orleans cluster; closing the data plane")]
    private static partial void LogLeft(ILogger logger);
}
