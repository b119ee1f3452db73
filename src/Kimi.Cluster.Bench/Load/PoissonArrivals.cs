namespace Kimi.Cluster.Bench.Load;

/// <summary>
/// Start offsets of requests arriving as a Poisson process (exponential gaps with mean
/// 1/rate), as vLLM's benchmark_serving sends them; seeded so that two runs see the same
/// arrival pattern. Without a rate every request starts at once.
/// </summary>
public static class PoissonArrivals
{
    public static IReadOnlyList<TimeSpan> Offsets(int count, double? ratePerSecond, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var offsets = new TimeSpan[count];
        if (ratePerSecond is not { } rate)
            return offsets;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rate);
        var random = new Random(seed);
        double seconds = 0;
        for (int i = 0; i < count; i++)
        {
            offsets[i] = TimeSpan.FromSeconds(seconds);
            // 1 - U lies in (0, 1], so the logarithm is finite.
            seconds += -Math.Log(1.0 - random.NextDouble()) / rate;
        }
        return offsets;
    }
}
