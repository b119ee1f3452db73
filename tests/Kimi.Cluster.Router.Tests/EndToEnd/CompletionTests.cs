using System.Text.Json.Nodes;
using Kimi.Cluster.Router.Tests.Support;

namespace Kimi.Cluster.Router.Tests.EndToEnd;

[Trait("Needs", "Processes")]
[Collection(ClusterCollection.Name)]
public sealed class CompletionTests(RouterClusterFixture cluster)
{
    private static readonly int[] Prompt = [1, 17, 42, 99];

    [Fact]
    public async Task Completions_ReturnsMaxTokensRenderedAsTokenIds_WhenGreedy()
    {
        var (status, body) = await RouterApi.PostAsync(cluster.Http, "/v1/completions",
            new { prompt = Prompt, max_tokens = 6, temperature = 0, ignore_eos = true, return_tokens_as_token_ids = true });

        Assert.True(status == 200, body.ToJsonString());
        Assert.StartsWith("cmpl-", (string?)body["id"]);
        Assert.Equal("text_completion", (string?)body["object"]);
        Assert.Equal("kimi-tiny", (string?)body["model"]);
        var choice = Assert.Single(body["choices"]!.AsArray())!;
        Assert.Equal(0, (int)choice["index"]!);
        Assert.Equal("length", (string?)choice["finish_reason"]);
        Assert.Null(choice["logprobs"]);
        Assert.Equal(6, GreedyReference.TokenIds((string)choice["text"]!).Count);
        Assert.Equal(Prompt.Length, (int)body["usage"]!["prompt_tokens"]!);
        Assert.Equal(6, (int)body["usage"]!["completion_tokens"]!);
        Assert.Equal(Prompt.Length + 6, (int)body["usage"]!["total_tokens"]!);
    }

    [Fact]
    public async Task Completions_GivesIdenticalText_WhenGreedyRequestsAreIdentical()
    {
        string first = await GreedyReference.GreedyTextAsync(cluster.Http, Prompt, 8);
        string second = await GreedyReference.GreedyTextAsync(cluster.Http, Prompt, 8);

        Assert.Equal(first, second);
    }

    [Fact]
    public async Task Sampling_GivesTheSameText_WhenTheSeedIsTheSame()
    {
        var request = new { prompt = Prompt, max_tokens = 8, temperature = 1.0, top_p = 0.9, seed = 1234, ignore_eos = true, return_tokens_as_token_ids = true };

        var (_, first) = await RouterApi.PostAsync(cluster.Http, "/v1/completions", request);
        var (_, second) = await RouterApi.PostAsync(cluster.Http, "/v1/completions", request);

        Assert.Equal((string?)first["choices"]![0]!["text"], (string?)second["choices"]![0]!["text"]);
    }

    [Fact]
    public async Task NChoices_AreIndexedAndCountedInUsage()
    {
        var (status, body) = await RouterApi.PostAsync(cluster.Http, "/v1/completions",
            new { prompt = Prompt, max_tokens = 4, n = 3, seed = 5, ignore_eos = true, return_tokens_as_token_ids = true });

        Assert.True(status == 200, body.ToJsonString());
        var choices = body["choices"]!.AsArray();
        Assert.Equal([0, 1, 2], choices.Select(choice => (int)choice!["index"]!));
        Assert.Equal(12, (int)body["usage"]!["completion_tokens"]!);
        Assert.Equal(Prompt.Length, (int)body["usage"]!["prompt_tokens"]!);
    }

    [Fact]
    public async Task Logprobs_ReturnTheAskedAlternativesPerTokenInOpenAiFormat()
    {
        var (status, body) = await RouterApi.PostAsync(cluster.Http, "/v1/completions",
            new { prompt = Prompt, max_tokens = 4, temperature = 0, logprobs = 5, ignore_eos = true, return_tokens_as_token_ids = true });

        Assert.True(status == 200, body.ToJsonString());
        var choice = body["choices"]![0]!;
        var logprobs = choice["logprobs"]!;
        var tokens = logprobs["tokens"]!.AsArray().Select(token => (string)token!).ToList();
        var tokenLogprobs = logprobs["token_logprobs"]!.AsArray().Select(value => (double)value!).ToList();
        var top = logprobs["top_logprobs"]!.AsArray();
        var offsets = logprobs["text_offset"]!.AsArray().Select(value => (int)value!).ToList();
        Assert.Equal(4, tokens.Count);
        Assert.Equal((string)choice["text"]!, string.Concat(tokens));
        Assert.All(tokenLogprobs, logprob => Assert.True(logprob <= 0));
        Assert.All(top, alternatives => Assert.Equal(5, alternatives!.AsObject().Count));
        Assert.All(top, alternatives => Assert.All(alternatives!.AsObject(), pair => Assert.StartsWith("token_id:", pair.Key)));
        Assert.Equal(0, offsets[0]);
        for (int i = 1; i < tokens.Count; i++)
            Assert.Equal(offsets[i - 1] + tokens[i - 1].Length, offsets[i]);
        // Greedy: the sampled token is the most likely, so it heads its own alternatives.
        for (int i = 0; i < tokens.Count; i++)
            Assert.Equal(top[i]!.AsObject().Max(pair => (double)pair.Value!), tokenLogprobs[i], 4);
    }

    [Fact]
    public async Task StopTokenIds_StopWithFinishReasonStop()
    {
        var greedy = GreedyReference.TokenIds(await GreedyReference.GreedyTextAsync(cluster.Http, Prompt, 8));
        int stopToken = greedy[2];

        var (status, body) = await RouterApi.PostAsync(cluster.Http, "/v1/completions",
            new { prompt = Prompt, max_tokens = 8, temperature = 0, ignore_eos = true, return_tokens_as_token_ids = true, stop_token_ids = new[] { stopToken } });

        Assert.True(status == 200, body.ToJsonString());
        var choice = body["choices"]![0]!;
        Assert.Equal("stop", (string?)choice["finish_reason"]);
        // The stop token itself is kept, as vLLM does for stop_token_ids.
        int expectedCount = greedy.IndexOf(stopToken) + 1;
        Assert.Equal(greedy.Take(expectedCount), GreedyReference.TokenIds((string)choice["text"]!));
        Assert.Equal(expectedCount, (int)body["usage"]!["completion_tokens"]!);
    }

    [Fact]
    public async Task StopStrings_EndGenerationAndAreCutFromTheText()
    {
        string greedyText = await GreedyReference.GreedyTextAsync(cluster.Http, Prompt, 8);
        string stop = $"token_id:{GreedyReference.TokenIds(greedyText)[2]}";

        var (status, body) = await RouterApi.PostAsync(cluster.Http, "/v1/completions",
            new { prompt = Prompt, max_tokens = 8, temperature = 0, ignore_eos = true, return_tokens_as_token_ids = true, stop });

        Assert.True(status == 200, body.ToJsonString());
        var choice = body["choices"]![0]!;
        Assert.Equal("stop", (string?)choice["finish_reason"]);
        Assert.Equal(greedyText[..greedyText.IndexOf(stop, StringComparison.Ordinal)], (string?)choice["text"]);
    }

    [Fact]
    public async Task Completions_Returns404ModelNotFound_WhenTheRequestIsForAnotherModel()
    {
        var (status, body) = await RouterApi.PostAsync(cluster.Http, "/v1/completions", new { model = "gpt-4", prompt = Prompt });

        RouterApi.AssertError(status, body, 404, "model");
        Assert.Equal("model_not_found", (string?)body["error"]!["code"]);
    }

    [Fact]
    public async Task Completions_Serves_WhenTheRequestNamesTheServedModel()
    {
        var (status, body) = await RouterApi.PostAsync(cluster.Http, "/v1/completions", new { model = "kimi-tiny", prompt = Prompt, max_tokens = 2 });

        Assert.True(status == 200, body.ToJsonString());
        Assert.IsType<JsonArray>(body["choices"]);
    }
}
