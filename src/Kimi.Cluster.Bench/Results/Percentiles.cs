namespace Kimi.Cluster.Bench.Results;

/// <summary>
/// Percentiles with linear interpolation between closest ranks, numpy's default, so the
/// numbers line up with vLLM's benchmark_serving (which uses np.percentile).
/// </summary>
public static class Percentiles
{
    /// <summary>The p-th percentile (0..100) of the values; 0 for no values.</summary>
    public static double Of(IReadOnlyList<double> values, double p)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (p is < 0 or > 100 || double.IsNaN(p))
            throw new ArgumentOutOfRangeException(nameof(p), p, "a percentile lies within 0..100");
        if (values.Count == 0)
            return 0;
        double[] sorted = values.Order().ToArray();
        double rank = p / 100 * (sorted.Length - 1);
        int below = (int)Math.Floor(rank);
        int above = Math.Min(below + 1, sorted.Length - 1);
        double fraction = rank - below;
        return sorted[below] + (sorted[above] - sorted[below]) * fraction;
    }
}
