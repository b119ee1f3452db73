namespace Kimi.Cluster.Scheduling;

/// <summary>
/// A request to generate up to <paramref name="MaxTokens"/> tokens after a prompt, ended early by
/// sampling one of <see cref="StopTokenIds"/> (the caller's stop tokens and, unless it ignores
/// them, the model's end-of-sequence tokens): all the scheduler needs to decide when it finishes.
/// </summary>
public sealed record SequenceRequest(long Id, IReadOnlyList<int> PromptTokens, int MaxTokens)
{
    /// <summary>Sampled tokens that finish the sequence (kept in its output).</summary>
    public IReadOnlySet<int> StopTokenIds { get; init; } = new HashSet<int>();
}
