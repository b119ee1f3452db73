using Kimi.Cluster.Abstractions;

namespace Kimi.Cluster.AttentionWorker.Experts;

/// <summary>
/// Sends this worker's routed-token window to the rebalancer every few seconds, with the table
/// version it routes by; when the rebalancer knows a newer table, reads it, and the worker takes
/// it up at its next step.
/// </summary>
public sealed partial class ExpertLoadReporter(
    IExpertLoadSink sink, IPlacementSource source, RoutedTokenWindow window, PlacementView view, ILogger<ExpertLoadReporter> logger)
    : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(2);

    /// <summary>Who this worker is to the rebalancer: its latest window replaces its previous one.</summary>
    public static readonly string Reporter = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await ReportOnceAsync(stoppingToken);
                }
                catch (Exception error) when (error is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    // The next period tries again; serving does not depend on this.
                    LogReportFailed(logger, error.Message.Split('\n', 2)[0]);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The worker is stopping.
        }
    }

    public async Task ReportOnceAsync(CancellationToken cancellation)
    {
        var (layers, pairs, experts) = window.Snapshot();
        long routing = view.RoutingVersion;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        long newest = await sink.ReportLoadAsync(new ExpertLoadReport(Reporter, routing, layers, experts, pairs, window.Window), timeout.Token);
        if (newest > view.RoutingVersion)
            view.Offer(await source.GetTableAsync(timeout.Token));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not report routed-token counts to the rebalancer: {Reason}")]
    private static partial void LogReportFailed(ILogger logger, string reason);
}
