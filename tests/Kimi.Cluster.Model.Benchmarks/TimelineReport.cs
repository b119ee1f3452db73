using Kimi.Cluster.Kernels.Diagnostics;

namespace Kimi.Cluster.Model.Benchmarks;

/// <summary>
/// `--timeline`'s table: per kernel call of a decode step, the mean time the engine thread spent
/// before it outside the kernels (the other kernel threads wait then), its mean run time and,
/// where it reads weight matrices, their GB/s; then the totals.
/// </summary>
public static class TimelineReport
{
    public static void Print(DispatchTimeline timeline)
    {
        ArgumentNullException.ThrowIfNull(timeline);
        if (timeline.Summarize() is not { } summary)
        {
            Console.WriteLine(timeline.Steps == 0
                ? "timeline: no decode step recorded"
                : "timeline: the decode steps made different kernel calls, so they are not averaged");
            return;
        }
        Console.WriteLine($"timeline of a decode step (mean of {summary.Steps}): call, items, weight MB, µs before it, µs in it, weight GB/s");
        for (int i = 0; i < summary.Calls.Count; i++)
        {
            var call = summary.Calls[i];
            string rate = call.WeightGigabytesPerSecond is { } gbs ? $"{gbs,6:F1}" : "     -";
            Console.WriteLine($"{i,3} {call.Job,-18} {call.Items,5} {call.WeightBytes / 1e6,8:F2} {call.BeforeMicroseconds,9:F1} {call.RunMicroseconds,9:F1} {rate}");
        }
        long bytes = summary.Calls.Sum(c => c.WeightBytes);
        Console.WriteLine($"after the last call {summary.AfterMicroseconds:F1} µs; step {summary.StepMicroseconds:F1} µs = " +
            $"{summary.InKernelsMicroseconds:F1} in {summary.Calls.Count} kernel calls ({bytes / 1e6:F1} weight MB, " +
            $"{bytes / summary.InKernelsMicroseconds / 1e3:F1} GB/s while in them) + {summary.BetweenKernelsMicroseconds:F1} between them");
    }
}
