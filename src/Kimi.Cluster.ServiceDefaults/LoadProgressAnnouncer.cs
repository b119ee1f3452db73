using Kimi.Cluster.Model.Configuration.Loading;
using Microsoft.Extensions.Logging;

namespace Kimi.Cluster.ServiceDefaults;

/// <summary>
/// Tells how a worker's weight load goes while it runs, at most every <see cref="Period"/>:
/// under a launcher (a parent pid was given) as <see cref="LoadProgressReport.LinePrefix"/> lines
/// on stdout, which the launcher shows as a progress display or as log lines; otherwise as log
/// lines. Disposing it stops the reports; <see cref="Finish"/> tells the last one.
/// </summary>
public sealed partial class LoadProgressAnnouncer : IDisposable
{
    /// <summary>How often a running load is reported.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(2);

    private readonly Func<LoadProgressReport> _read;
    private readonly ILogger _logger;
    private readonly bool _toLauncher;
    private readonly Lock _gate = new();
    private readonly Timer _timer;
    private bool _stopped;

    public LoadProgressAnnouncer(Func<LoadProgressReport> read, ILogger logger, bool toLauncher, TimeSpan? period = null)
    {
        ArgumentNullException.ThrowIfNull(read);
        _read = read;
        _logger = logger;
        _toLauncher = toLauncher;
        var every = period ?? Period;
        _timer = new Timer(_ => Announce(final: false), null, every, every);
    }

    /// <summary>Reports the load's end: the totals read, the time and the rate.</summary>
    public void Finish() => Announce(final: true);

    private void Announce(bool final)
    {
        lock (_gate)
        {
            if (_stopped)
                return;
            _stopped = final;
            var report = _read();
            // Nothing planned yet (an expert worker before its first shard), or all read while the
            // model is still being put together: the final report says it once.
            if (!final && (report.TotalTensors == 0 || report.IsComplete))
                return;
            if (_toLauncher)
                Console.Out.WriteLine(report.ToLine());
            else if (final)
                LogLoaded(_logger, report.Summary);
            else
                LogLoading(_logger, report.ToString());
        }
    }

    public void Dispose()
    {
        lock (_gate)
            _stopped = true;
        _timer.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loading weights: {Progress}")]
    private static partial void LogLoading(ILogger logger, string progress);

    [LoggerMessage(Level = LogLevel.Information, Message = "Read {Summary}")]
    private static partial void LogLoaded(ILogger logger, string summary);
}
