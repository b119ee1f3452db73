namespace Kimi.Cluster.Model.Engine;

public enum FinishReason
{
    /// <summary>max_tokens reached (or the context is full).</summary>
    Length,
    /// <summary>A stop token, end-of-sequence token or stop string ended the sequence.</summary>
    Stop,
    /// <summary>The request was cancelled before it finished.</summary>
    Cancelled,
}

/// <summary>The outcome of one <see cref="GenerationRequest"/>.</summary>
public sealed record GenerationResult(
    IReadOnlyList<GeneratedToken> Tokens,
    FinishReason FinishReason,
    int PromptTokens)
{
    /// <summary>The stop string that ended generation, if one did.</summary>
    public string? MatchedStopString { get; init; }
}
