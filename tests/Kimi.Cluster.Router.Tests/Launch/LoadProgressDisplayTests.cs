using Kimi.Cluster.Launch;
using Kimi.Cluster.Model.Configuration.Loading;
using Kimi.Cluster.Tests.Shared;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Kimi.Cluster.Router.Tests.Launch;

/// <summary>`local`'s load display: bars per worker on a terminal while the cluster starts, log lines otherwise and after.</summary>
public sealed class LoadProgressDisplayTests
{
    private static LoadProgressReport Report(long bytes) => new(bytes == 1000 ? 10 : 4, 10, bytes, 1000, TimeSpan.FromSeconds(2));

    [Fact]
    public async Task Report_GivesEachWorkerABarAndLogsReportsAfterTheStart_WhenOnATerminal()
    {
        var screen = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.Yes,
            Out = new AnsiConsoleOutput(screen),
        });
        var log = new RecordingLogger();
        var display = LoadProgressDisplay.Create(log, console);

        display.Report("attention worker", Report(400));
        display.Report("expert worker 1", Report(1000));
        await display.EndStartAsync();
        display.Report("attention worker", Report(1000)); // a restart, after the start

        string shown = screen.ToString();
        Assert.Contains("attention worker", shown, StringComparison.Ordinal);
        Assert.Contains("expert worker 1", shown, StringComparison.Ordinal);
        Assert.Contains("100%", shown, StringComparison.Ordinal);
        Assert.Equal(["[attention worker] Read 10 tensors, 0.00 GB of weights in 2.0 s (0.00 GB/s)"], log.Messages);
    }

    [Fact]
    public void Report_WritesLogLines_WhenThereIsNoTerminal()
    {
        var log = new RecordingLogger();
        var display = LoadProgressDisplay.Create(log, console: null);

        display.Report("expert worker 0", Report(400));
        display.Report("expert worker 0", Report(1000));

        Assert.Equal(
        [
            "[expert worker 0] Loading weights: 4/10 tensors, 0.00/0.00 GB (40%), 0.00 GB/s, ETA 3 s",
            "[expert worker 0] Read 10 tensors, 0.00 GB of weights in 2.0 s (0.00 GB/s)",
        ], log.Messages);
    }
}
