using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Router.Generation;
using Kimi.Cluster.Router.Text;

namespace Kimi.Cluster.Router.Tests.Generation;

public sealed class ChoiceDecoderTests
{
    [Fact]
    public void Next_RendersTokensAsTokenIdsWithoutATokenizerAndMapsTheFinishReasonToOpenAi()
    {
        var decoder = Decoder([]);

        var first = decoder.Next(Response(3, 5, 17));
        var last = decoder.Next(new GenerateResponse { FinishReason = FinishReason.Length });

        Assert.Equal("token_id:5token_id:17", first.Text);
        Assert.Null(first.FinishReason);
        Assert.Equal("length", last.FinishReason);
        Assert.Equal((3, 2), (decoder.PromptTokens, decoder.CompletionTokens));
    }

    [Fact]
    public void Next_EndsTheChoiceWithStopAndCutsTheText_WhenAStopStringMatches()
    {
        var decoder = Decoder(["token_id:17"]);

        var step = decoder.Next(Response(3, 5, 17, 9));

        Assert.Equal("token_id:5", step.Text);
        Assert.Equal("stop", step.FinishReason);
        Assert.Equal("stop", decoder.FinishReason);
    }

    private static ChoiceDecoder Decoder(IReadOnlyList<string> stops) =>
        new(ModelText.TokenIdsOnly.StartDecoding(keepStructuralTokens: false, renderTokenIds: false), stops);

    private static GenerateResponse Response(uint prompt, params int[] tokenIds)
    {
        var response = new GenerateResponse { PromptTokens = prompt };
        response.Tokens.AddRange(tokenIds.Select(id => new GeneratedToken { TokenId = id, Logprob = -0.5f }));
        return response;
    }
}
