using Kimi.Cluster.Router.Generation;

namespace Kimi.Cluster.Router.Completions;

/// <summary>Token counts: the prompt once, and the tokens generated over all choices.</summary>
public sealed record CompletionUsage(int PromptTokens, int CompletionTokens)
{
    public int TotalTokens => PromptTokens + CompletionTokens;

    /// <summary>The usage of an answer's choices, finished or streamed (they share the prompt).</summary>
    public static CompletionUsage Of(IReadOnlyList<IChoiceTokenCounts> choices) => new(choices[0].PromptTokens, choices.Sum(choice => choice.CompletionTokens));
}
