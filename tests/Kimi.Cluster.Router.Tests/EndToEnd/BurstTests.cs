using System.Text.Json.Nodes;
using Kimi.Cluster.Router.Tests.Support;

namespace Kimi.Cluster.Router.Tests.EndToEnd;

/// <summary>Bursts against a small KV cache and a short queue: nothing is lost, refusals are the documented 429.</summary>
[Trait("Needs", "Processes")]
public sealed class BurstTests
{
    private static int[] Prompt(int i) => [.. Enumerable.Range(0, 3 + i % 29).Select(t => (t * 7 + i) % 500 + 1)];

    private static Task<(int Status, JsonNode Body)> Complete(HttpClient http, int i) =>
        RouterApi.PostAsync(http, "/v1/completions", new { prompt = Prompt(i), max_tokens = 6, temperature = 0, ignore_eos = true });

    [Fact]
    public async Task Burst_CompletesEveryRequestWithItsSoloOutput_When200RequestsMeetASmallCache()
    {
        // 61440 bytes = 128 tokens of the tiny model (480 B each) = 8 blocks of 16: far fewer than 200
        // requests need, so the scheduler queues and preempts.
        await using var cluster = await ClusterUnderTest.StartAsync("small cache",
            "--kv-cache-bytes", "61440", "--block-size", "16", "--max-batch-tokens", "64", "--max-running", "32", "--max-waiting", "1000");
        var burst = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Complete(cluster.Http, i)));
        Assert.All(burst, r => Assert.True(r.Status == 200, r.Body.ToJsonString()));
        foreach (int i in new[] { 0, 17, 28, 199 })
        {
            var alone = await Complete(cluster.Http, i);
            Assert.Equal((string?)alone.Body["choices"]![0]!["text"], (string?)burst[i].Body["choices"]![0]!["text"]);
        }
    }

    [Fact]
    public async Task Burst_Answers429WithAnErrorBodyAndServesTheRest_WhenTheQueueIsFull()
    {
        await using var cluster = await ClusterUnderTest.StartAsync("short queue", "--max-running", "1", "--max-waiting", "1");
        var burst = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => Complete(cluster.Http, i)));
        Assert.All(burst, r => Assert.Contains(r.Status, new[] { 200, 429 }));
        Assert.Contains(burst, r => r.Status == 200);
        var refused = Assert.Single(burst.Where(r => r.Status == 429).Take(1));
        Assert.Equal("queue_full", (string?)refused.Body["error"]!["code"]);
    }
}
