using Kimi.Cluster.Bench.Load;
using Kimi.Cluster.Bench.Tests.Support;
using Kimi.Cluster.Tests.Shared;

namespace Kimi.Cluster.Bench.Tests;

/// <summary>Runs the bench against a real `router local --port 0` cluster serving the built-in tiny model.</summary>
[Trait("Needs", "Processes")]
public sealed class EndToEndBenchTests
{
    [Fact]
    public async Task BenchRun_SucceedsWithPositiveNumbers_WhenRunAgainstALocalCluster()
    {
        await using var router = RouterProcess.Start("local", "--port", "0");
        var url = await router.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
        var settings = new BenchSettings(url, NumPrompts: 8, InputLen: 16, OutputLen: 8, Concurrency: 4,
            RequestRate: null, Seed: 0, VocabSize: 512, TimeoutSeconds: 60, MaxDurationSeconds: 120);

        var (exitCode, result) = await RunToJson.RunAsync(settings);

        Assert.True(exitCode == 0, $"errors: {string.Join("; ", result.Errors)}");
        Assert.Equal(8, result.Completed);
        Assert.Equal(0, result.Failed);
        Assert.Equal(8 * 16, result.TotalInputTokens);
        Assert.Equal(8 * 8, result.TotalOutputTokens);
        Assert.True(result.OutputThroughput > 0);
        Assert.True(result.InputThroughput > 0);
        Assert.True(result.Ttft.MedianMs > 0);
        Assert.True(result.E2e.P99Ms >= result.Ttft.MedianMs);
        Assert.True(result.Itl.Count > 0 && result.Itl.MedianMs > 0);
    }
}
