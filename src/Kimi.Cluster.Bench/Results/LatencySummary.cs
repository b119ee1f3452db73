namespace Kimi.Cluster.Bench.Results;

/// <summary>Mean, median and p99 of one latency, in milliseconds, over Count samples (all 0 when there are none).</summary>
public sealed record LatencySummary(int Count, double MeanMs, double MedianMs, double P99Ms)
{
    public static LatencySummary Of(IReadOnlyList<double> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        return samples.Count == 0
            ? new LatencySummary(0, 0, 0, 0)
            : new LatencySummary(samples.Count, samples.Average(), Percentiles.Of(samples, 50), Percentiles.Of(samples, 99));
    }
}
