using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Router.Completions;

namespace Kimi.Cluster.Router.Tests.Completions;

public sealed class ChoiceAccumulatorTests
{
    [Fact]
    public void Text_renders_token_ids_and_is_cut_before_the_matched_stop()
    {
        var choice = new ChoiceAccumulator();
        choice.Add(Response(prompt: 3, 5, 17));
        choice.Add(new GenerateResponse { FinishReason = FinishReason.Stop, MatchedStop = "token_id:17" });

        var result = choice.ToChoice(0, withLogprobs: false);

        Assert.Equal("token_id:5", result.Text);
        Assert.Equal("stop", result.FinishReason);
        Assert.Equal(3, choice.PromptTokens);
        Assert.Equal(2, choice.CompletionTokens);
        Assert.Null(result.Logprobs);
    }

    [Fact]
    public void Logprobs_list_every_token_with_offsets_and_alternatives()
    {
        var choice = new ChoiceAccumulator();
        var response = Response(prompt: 1, 5, 17);
        response.Tokens[0].TopLogprobs.Add(new TopLogprob { TokenId = 5, Logprob = -0.5f });
        response.Tokens[0].TopLogprobs.Add(new TopLogprob { TokenId = 6, Logprob = float.NegativeInfinity });
        choice.Add(response);
        choice.Add(new GenerateResponse { FinishReason = FinishReason.Length });

        var logprobs = choice.ToChoice(0, withLogprobs: true).Logprobs!;

        Assert.Equal(["token_id:5", "token_id:17"], logprobs.Tokens);
        Assert.Equal([0, 10], logprobs.TextOffset);
        Assert.Equal(-0.5f, logprobs.TopLogprobs[0]["token_id:5"]);
        Assert.Equal(LogprobsBuilder.NegativeInfinityStandIn, logprobs.TopLogprobs[0]["token_id:6"]);
        Assert.Empty(logprobs.TopLogprobs[1]);
    }

    private static GenerateResponse Response(uint prompt, params int[] tokenIds)
    {
        var response = new GenerateResponse { PromptTokens = prompt };
        response.Tokens.AddRange(tokenIds.Select(id => new GeneratedToken { TokenId = id, Logprob = -0.5f }));
        return response;
    }
}
