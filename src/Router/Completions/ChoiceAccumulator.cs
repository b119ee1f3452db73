using Kimi.Cluster.Contracts.V1;

namespace Kimi.Cluster.Router.Completions;

/// <summary>Collects one choice's streamed worker responses into the finished choice.</summary>
public sealed class ChoiceAccumulator
{
    private readonly List<GeneratedToken> _tokens = [];
    private FinishReason _finishReason;
    private string _matchedStop = "";

    public int PromptTokens { get; private set; }
    public int CompletionTokens => _tokens.Count;

    public void Add(GenerateResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        _tokens.AddRange(response.Tokens);
        if (response.PromptTokens != 0)
            PromptTokens = (int)response.PromptTokens;
        if (response.FinishReason != FinishReason.Unspecified)
        {
            _finishReason = response.FinishReason;
            _matchedStop = response.MatchedStop;
        }
    }

    public CompletionChoice ToChoice(int index, bool withLogprobs)
    {
        string text = string.Concat(_tokens.Select(token => TokenText.Render(token.TokenId)));
        var logprobs = withLogprobs ? LogprobsBuilder.Build(_tokens, 0) : null;
        return new CompletionChoice(index, TokenText.CutAtStop(text, _matchedStop), logprobs, FinishReasons.ToOpenAi(_finishReason));
    }
}
