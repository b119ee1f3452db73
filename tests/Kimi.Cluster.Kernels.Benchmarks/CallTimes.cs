using System.Diagnostics;

namespace Kimi.Cluster.Kernels.Benchmarks;

/// <summary>
/// Per-call times of a kernel call repeated for a while, sorted: the quick mode reports a low
/// percentile and the median, robust to other work on the machine stealing a core now and then.
/// </summary>
public static class CallTimes
{
    /// <summary>Seconds per call of <paramref name="call"/>, at least <paramref name="calls"/> of them over at least <paramref name="seconds"/>, ascending.</summary>
    public static List<double> Sorted(Action call, double seconds, int calls)
    {
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (total.Elapsed.TotalSeconds < seconds || times.Count < calls)
        {
            long start = Stopwatch.GetTimestamp();
            call();
            times.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        times.Sort();
        return times;
    }
}
