using Kimi.Cluster.Contracts.V1;

namespace Kimi.Cluster.Router.Completions;

/// <summary>One choice of a streamed completion: turns each worker response into that choice's next chunk.</summary>
public sealed class StreamingChoice(int index, CompletionPlan plan)
{
    private readonly StopTextHoldback _holdback = new(plan.Stop);
    private int _renderedLength;

    public int PromptTokens { get; private set; }
    public int CompletionTokens { get; private set; }

    /// <summary>The chunk's choice for this response, or null when it adds nothing to send.</summary>
    public CompletionChoice? Next(GenerateResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.PromptTokens != 0)
            PromptTokens = (int)response.PromptTokens;
        CompletionTokens += response.Tokens.Count;
        var logprobs = plan.Logprobs is not null && response.Tokens.Count > 0
            ? LogprobsBuilder.Build(response.Tokens, _renderedLength)
            : null;
        string rendered = string.Concat(response.Tokens.Select(token => TokenText.Render(token.TokenId)));
        _renderedLength += rendered.Length;
        string text = _holdback.Push(rendered);
        string? finishReason = FinishReasons.ToOpenAi(response.FinishReason);
        if (finishReason is not null)
            text += _holdback.Finish(response.MatchedStop);
        if (text.Length == 0 && logprobs is null && finishReason is null)
            return null;
        return new CompletionChoice(index, text, logprobs, finishReason);
    }
}
