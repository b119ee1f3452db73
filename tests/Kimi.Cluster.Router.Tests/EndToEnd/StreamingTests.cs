using System.Text.Json.Nodes;
using Kimi.Cluster.Router.Tests.Support;

namespace Kimi.Cluster.Router.Tests.EndToEnd;

[Trait("Needs", "Processes")]
[Collection(ClusterCollection.Name)]
public sealed class StreamingTests(RouterClusterFixture cluster)
{
    private static readonly int[] Prompt = [1, 5, 9];

    [Fact]
    public async Task StreamedChunks_ConcatenateToTheNonStreamedGreedyText()
    {
        string expected = await GreedyReference.GreedyTextAsync(cluster.Http, Prompt, 10);

        var events = await RouterApi.PostStreamAsync(cluster.Http, "/v1/completions",
            new { prompt = Prompt, max_tokens = 10, temperature = 0, ignore_eos = true, return_tokens_as_token_ids = true, stream = true, stream_options = new { include_usage = true } });

        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(data => JsonNode.Parse(data)!).ToList();
        Assert.All(chunks, chunk => Assert.Equal("text_completion", (string?)chunk["object"]));
        Assert.Single(chunks.Select(chunk => (string?)chunk["id"]).Distinct());
        var choices = chunks.SelectMany(chunk => chunk["choices"]!.AsArray()).ToList();
        Assert.Equal(expected, string.Concat(choices.Select(choice => (string?)choice!["text"])));
        Assert.Equal("length", (string?)choices[^1]!["finish_reason"]);
        var usage = chunks[^1]["usage"]!;
        Assert.Equal(10, (int)usage["completion_tokens"]!);
        Assert.Equal(Prompt.Length, (int)usage["prompt_tokens"]!);
    }

    [Fact]
    public async Task StreamedText_NeverContainsTheStopString()
    {
        string greedy = await GreedyReference.GreedyTextAsync(cluster.Http, Prompt, 10);
        string stop = $"token_id:{GreedyReference.TokenIds(greedy)[3]}";

        var events = await RouterApi.PostStreamAsync(cluster.Http, "/v1/completions",
            new { prompt = Prompt, max_tokens = 10, temperature = 0, ignore_eos = true, return_tokens_as_token_ids = true, stream = true, stop = new[] { stop } });

        var choices = events[..^1].SelectMany(data => JsonNode.Parse(data)!["choices"]!.AsArray()).ToList();
        Assert.Equal(greedy[..greedy.IndexOf(stop, StringComparison.Ordinal)], string.Concat(choices.Select(choice => (string?)choice!["text"])));
        Assert.Equal("stop", (string?)choices[^1]!["finish_reason"]);
    }

    [Fact]
    public async Task Completions_ReturnsAPlain400_WhenAStreamIsRefused()
    {
        var (status, body) = await RouterApi.PostAsync(cluster.Http, "/v1/completions",
            new { prompt = Prompt, temperature = -1, stream = true });

        RouterApi.AssertError(status, body, 400, "temperature");
    }
}
