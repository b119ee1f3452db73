using Kimi.Cluster.Bench.Results;

namespace Kimi.Cluster.Bench.Tests;

public sealed class PercentilesTests
{
    [Fact]
    public void Percentiles_InterpolateBetweenClosestRanksLikeNumpy()
    {
        double[] values = [4, 1, 3, 2]; // order must not matter
        Assert.Equal(2.5, Percentiles.Of(values, 50), 12);
        Assert.Equal(1, Percentiles.Of(values, 0), 12);
        Assert.Equal(4, Percentiles.Of(values, 100), 12);
        // np.percentile([1, 2, 3, 4], 99) = 1 + 0.99 * 3 = 3.97
        Assert.Equal(3.97, Percentiles.Of(values, 99), 12);
    }

    [Fact]
    public void Percentiles_GiveTheValueForEveryPercentileOrZero_WhenThereIsOneValueOrNone()
    {
        Assert.Equal(7, Percentiles.Of([7.0], 99));
        Assert.Equal(0, Percentiles.Of([], 50));
    }

    [Fact]
    public void Percentiles_Refuse_WhenThePercentileIsOutsideZeroToHundred() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Percentiles.Of([1.0], 101));

    [Fact]
    public void LatencySummary_HasMeanMedianAndP99()
    {
        var summary = LatencySummary.Of(Enumerable.Range(1, 101).Select(i => (double)i).ToArray());
        Assert.Equal(new LatencySummary(101, 51, 51, 100), summary);
    }
}
