using Kimi.Cluster.Scheduling;

namespace Kimi.Cluster.Model.Engine;

/// <summary>The outcome of one <see cref="GenerationRequest"/>; the scheduler decided <paramref name="FinishReason"/>.</summary>
public sealed record GenerationResult(
    IReadOnlyList<GeneratedToken> Tokens,
    FinishReason FinishReason,
    int PromptTokens);
