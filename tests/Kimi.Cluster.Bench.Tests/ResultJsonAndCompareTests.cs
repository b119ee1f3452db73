using Kimi.Cluster.Bench.Load;
using Kimi.Cluster.Bench.Results;

namespace Kimi.Cluster.Bench.Tests;

public sealed class ResultJsonAndCompareTests
{
    private static readonly BenchSettings Settings =
        new(new Uri("http://127.0.0.1:8000"), 3, 16, 8, 4, null, 0, 512, 120, 600);

    private static BenchResult Sample(double ttftScale = 1, double seconds = 2)
    {
        RequestResult[] requests =
        [
            new(true, null, 16, 8, 10 * ttftScale, 100, [5, 6, 7]),
            new(true, null, 16, 8, 20 * ttftScale, 120, [8]),
            RequestResult.Failed("HTTP 503: worker down", 3),
        ];
        return BenchResultBuilder.Build(Settings, "tiny", requests, TimeSpan.FromSeconds(seconds));
    }

    [Fact]
    public void BenchResultBuilder_CountsFailuresAndKeepsThemOutOfTheLatencies()
    {
        var result = Sample();
        Assert.Equal(2, result.Completed);
        Assert.Equal(1, result.Failed);
        Assert.Equal(["HTTP 503: worker down"], result.Errors);
        Assert.Equal(32, result.TotalInputTokens);
        Assert.Equal(16, result.TotalOutputTokens);
        Assert.Equal(8, result.OutputThroughput, 12);
        Assert.Equal(15, result.Ttft.MedianMs, 12);
        Assert.Equal(4, result.Itl.Count);
        Assert.Equal(6.5, result.Itl.MedianMs, 12);
        Assert.Equal(110, result.E2e.MeanMs, 12);
    }

    [Fact]
    public void BenchJson_KeepsEveryField_WhenRoundTripped()
    {
        var result = Sample();
        string json = BenchJson.Serialize(result);
        Assert.Contains("\"output_throughput\"", json, StringComparison.Ordinal);
        var back = BenchJson.Deserialize(json);
        // Records compare lists by reference; compare them by content and the rest by value.
        Assert.Equal(result.Errors, back.Errors);
        Assert.Equal(result with { Errors = [] }, back with { Errors = [] });
    }

    [Fact]
    public void BenchComparison_GivesEachMetricOfBAsARatioOfA()
    {
        var a = Sample();
        var b = Sample(ttftScale: 2, seconds: 4); // twice the TTFT, half the throughput
        var rows = BenchComparison.Compare(a, b).ToDictionary(row => row.Name);
        Assert.Equal(0.5, rows["output tok/s"].Ratio!.Value, 12);
        Assert.Equal("0.50×", rows["output tok/s"].RatioText);
        Assert.Equal(2, rows["median TTFT ms"].Ratio!.Value, 12);
        Assert.Equal(1, rows["median ITL ms"].Ratio!.Value, 12);
        Assert.Equal(1, rows["failed requests"].Ratio!.Value, 12);
    }

    [Fact]
    public void MetricComparison_GivesNoRatioButNa_WhenComparedAgainstZero()
    {
        var row = MetricComparison.Of("failed requests", 0, 3);
        Assert.Null(row.Ratio);
        Assert.Equal("n/a", row.RatioText);
    }

    [Theory]
    [InlineData("http://10.0.0.1:8000")]
    [InlineData("https://127.0.0.1:8000")]
    public void BenchLimits_RefusesTheAddress_WhenItIsNotLoopbackHttp(string url) =>
        Assert.Contains("loopback", BenchLimits.Check(Settings with { Url = new Uri(url) }), StringComparison.Ordinal);

    [Fact]
    public void BenchLimits_AcceptsLoopbackAndBoundsCounts()
    {
        Assert.Null(BenchLimits.Check(Settings with { Url = new Uri("http://localhost:9") }));
        Assert.NotNull(BenchLimits.Check(Settings with { NumPrompts = BenchLimits.MaxPrompts + 1 }));
        Assert.NotNull(BenchLimits.Check(Settings with { TimeoutSeconds = 0 }));
    }
}
