using Kimi.Cluster.Model.Configuration.Loading;
using Spectre.Console;

namespace Kimi.Cluster.Launch;

/// <summary>
/// How `local` shows its workers' weight loads: one Spectre.Console progress bar per worker
/// while the cluster starts, when stdout is a terminal; log lines otherwise, and for loads after
/// the start (a restarted worker). Reports come from the workers' progress lines, on their
/// output threads.
/// </summary>
public sealed partial class LoadProgressDisplay : IAsyncDisposable
{
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ProgressTask> _bars = [];
    private readonly TaskCompletionSource _startEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _rendering = Task.CompletedTask;
    private ProgressContext? _context;

    private LoadProgressDisplay(ILogger logger, IAnsiConsole? console)
    {
        _logger = logger;
        if (console is null)
            return;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _rendering = console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                lock (_gate)
                    _context = context;
                ready.SetResult();
                await _startEnded.Task;
                lock (_gate)
                    _context = null;
            });
        // Until the bars are up (or Spectre failed to start them, which then logs instead).
        Task.WhenAny(ready.Task, _rendering).GetAwaiter().GetResult();
    }

    /// <summary>Bars on <paramref name="console"/> while the cluster starts; log lines when it is null.</summary>
    public static LoadProgressDisplay Create(ILogger logger, IAnsiConsole? console) => new(logger, console);

    /// <summary>Bars on this process's terminal when stdout is one, log lines otherwise.</summary>
    public static LoadProgressDisplay ForThisConsole(ILogger logger) =>
        Create(logger, !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive ? AnsiConsole.Console : null);

    /// <summary>A display that only logs.</summary>
    public static LoadProgressDisplay LogOnly(ILogger logger) => new(logger, console: null);

    public void Report(string worker, LoadProgressReport report)
    {
        lock (_gate)
        {
            if (_context is not null)
            {
                if (!_bars.TryGetValue(worker, out var bar))
                    _bars[worker] = bar = _context.AddTask(Markup.Escape(worker), maxValue: Math.Max(1, report.TotalBytes));
                bar.MaxValue = Math.Max(1, report.TotalBytes);
                bar.Value = report.Bytes;
                return;
            }
        }
        if (report.IsComplete)
            LogLoaded(_logger, worker, report.Summary);
        else
            LogLoading(_logger, worker, report.ToString());
    }

    /// <summary>The cluster has started: the bars stay as they are, and later reports are logged.</summary>
    public async Task EndStartAsync()
    {
        _startEnded.TrySetResult();
        await _rendering;
    }

    public async ValueTask DisposeAsync() => await EndStartAsync();

    [LoggerMessage(Level = LogLevel.Information, Message = "[{Name}] Loading weights: {Progress}")]
    private static partial void LogLoading(ILogger logger, string name, string progress);

    [LoggerMessage(Level = LogLevel.Information, Message = "[{Name}] Read {Summary}")]
    private static partial void LogLoaded(ILogger logger, string name, string summary);
}
