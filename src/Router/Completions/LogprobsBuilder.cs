using Kimi.Cluster.Contracts.V1;

namespace Kimi.Cluster.Router.Completions;

/// <summary>Builds OpenAI's logprobs object from the worker's tokens.</summary>
public static class LogprobsBuilder
{
    /// <summary>vLLM's stand-in for -infinity, which JSON cannot carry.</summary>
    public const float NegativeInfinityStandIn = -9999f;

    /// <param name="tokens">The tokens, in order.</param>
    /// <param name="firstOffset">Offset of the first token's text in the choice's whole text.</param>
    public static CompletionLogprobs Build(IReadOnlyList<GeneratedToken> tokens, int firstOffset)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var texts = new List<string>(tokens.Count);
        var logprobs = new List<float>(tokens.Count);
        var alternatives = new List<IReadOnlyDictionary<string, float>>(tokens.Count);
        var offsets = new List<int>(tokens.Count);
        int offset = firstOffset;
        foreach (var token in tokens)
        {
            string text = TokenText.Render(token.TokenId);
            texts.Add(text);
            logprobs.Add(Finite(token.Logprob));
            alternatives.Add(token.TopLogprobs.ToDictionary(top => TokenText.Render(top.TokenId), top => Finite(top.Logprob)));
            offsets.Add(offset);
            offset += text.Length;
        }
        return new CompletionLogprobs(texts, logprobs, alternatives, offsets);
    }

    private static float Finite(float logprob) => float.IsFinite(logprob) ? logprob : NegativeInfinityStandIn;
}
