using Kimi.Cluster.Kernels.Diagnostics;

namespace Kimi.Cluster.Model.Benchmarks;

/// <summary>`--floor`'s lines: each round's windows of decode steps against their memory floor, then the rounds after the warm-up together.</summary>
public static class FloorReport
{
    public static void PrintRound(FloorMeter meter, int firstWindow)
    {
        ArgumentNullException.ThrowIfNull(meter);
        var windows = meter.Windows.Skip(firstWindow).ToArray();
        if (windows.Length == 0)
        {
            Console.WriteLine($"  floor: no window of {meter.WindowSteps} steps closed (use more --new-tokens)");
            return;
        }
        Console.WriteLine($"  floor: {windows.Length} windows of up to {meter.WindowSteps} steps; {Megabytes(windows)} weight MB a step; " +
            $"read {windows.Min(w => w.GigabytesPerSecond):F1}-{windows.Max(w => w.GigabytesPerSecond):F1} GB/s; " +
            $"floor share (floor ÷ median step) median {meter.MedianShare(firstWindow):P0}, {windows.Min(w => w.Share):P0}-{windows.Max(w => w.Share):P0}");
    }

    public static void PrintTotal(FloorMeter meter, int firstWindow)
    {
        ArgumentNullException.ThrowIfNull(meter);
        var windows = meter.Windows.Skip(firstWindow).ToArray();
        if (windows.Length == 0)
            return;
        Console.WriteLine($"floor share over {windows.Length} windows after the warm-up: median {meter.MedianShare(firstWindow):P0} " +
            $"(median step {Median(windows.Select(w => w.MedianStepMilliseconds)):F3} ms, floor {Median(windows.Select(w => w.FloorMilliseconds)):F3} ms, " +
            $"read {Median(windows.Select(w => w.GigabytesPerSecond)):F1} GB/s: medians over the windows)");
    }

    private static string Megabytes(IReadOnlyList<FloorWindow> windows)
    {
        double low = windows.Min(w => w.WeightBytes) / 1e6, high = windows.Max(w => w.WeightBytes) / 1e6;
        return high - low < 0.05 ? $"{low:F1}" : $"{low:F1}-{high:F1}";
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
