namespace Kimi.Cluster.AttentionWorker.Experts;

/// <summary>
/// Reads the placement table every few seconds, so that changes no failure of this worker's
/// made it ask for reach it too: a restarted expert worker given its shard replicas back, a
/// failure another attention worker reported.
/// </summary>
public sealed partial class PlacementRefresh(IPlacementSource source, PlacementView view, ILogger<PlacementRefresh> logger) : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    view.Offer(await source.GetTableAsync(stoppingToken));
                }
                catch (Exception error) when (error is not OperationCanceledException)
                {
                    // The failure path re-reads the table when it matters; this read is only a refresh.
                    LogRefreshFailed(logger, error.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The worker is stopping.
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not refresh the placement table: {Reason}")]
    private static partial void LogRefreshFailed(ILogger logger, string reason);
}
