namespace Kimi.Cluster.Bench.Results;

/// <summary>Every metric of run B as a ratio of run A: above 1 means more throughput, or more latency.</summary>
public static class BenchComparison
{
    public static IReadOnlyList<MetricComparison> Compare(BenchResult a, BenchResult b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return
        [
            MetricComparison.Of("output tok/s", a.OutputThroughput, b.OutputThroughput),
            MetricComparison.Of("input tok/s", a.InputThroughput, b.InputThroughput),
            MetricComparison.Of("requests/s", a.RequestThroughput, b.RequestThroughput),
            MetricComparison.Of("median TTFT ms", a.Ttft.MedianMs, b.Ttft.MedianMs),
            MetricComparison.Of("p99 TTFT ms", a.Ttft.P99Ms, b.Ttft.P99Ms),
            MetricComparison.Of("median ITL ms", a.Itl.MedianMs, b.Itl.MedianMs),
            MetricComparison.Of("p99 ITL ms", a.Itl.P99Ms, b.Itl.P99Ms),
            MetricComparison.Of("median E2E ms", a.E2e.MedianMs, b.E2e.MedianMs),
            MetricComparison.Of("p99 E2E ms", a.E2e.P99Ms, b.E2e.P99Ms),
            MetricComparison.Of("duration s", a.DurationSeconds, b.DurationSeconds),
            MetricComparison.Of("failed requests", a.Failed, b.Failed),
        ];
    }
}
