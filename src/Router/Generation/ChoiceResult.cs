using Kimi.Cluster.Contracts.V1;

namespace Kimi.Cluster.Router.Generation;

/// <summary>One finished choice: its text (cut before a matched stop string), tokens and counts.</summary>
public sealed record ChoiceResult(string Text, IReadOnlyList<GeneratedToken> Tokens, string? FinishReason, int PromptTokens) : IChoiceTokenCounts
{
    public int CompletionTokens => Tokens.Count;
}
