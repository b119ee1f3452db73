namespace Kimi.Cluster.Scheduling;

/// <summary>
/// A request to generate up to <see cref="MaxTokens"/> tokens after a prompt, ended early by
/// sampling one of <see cref="StopTokenIds"/> (the caller's stop tokens and, unless it ignores
/// them, the model's end-of-sequence tokens): all the scheduler needs to decide when it finishes.
/// The layers above extend it with their own state (the engine its sampler, the worker its
/// caller), so that one object is the request everywhere and the scheduler its one registry.
/// </summary>
public class SequenceRequest(long id, IReadOnlyList<int> promptTokens, int maxTokens)
{
    public long Id { get; } = id;

    public IReadOnlyList<int> PromptTokens { get; } = promptTokens;

    public int MaxTokens { get; } = maxTokens;

    /// <summary>Sampled tokens that finish the sequence (kept in its output).</summary>
    public IReadOnlySet<int> StopTokenIds { get; init; } = new HashSet<int>();

    /// <summary>
    /// What the prefix cache keys the prompt's positions by, when that is not the token itself:
    /// an image's placeholder positions hold one token id for every image, so they are keyed by
    /// the image's content instead and two images never share cached blocks. Null: the tokens.
    /// Same length as the prompt.
    /// </summary>
    public IReadOnlyList<int>? PromptCacheKeys { get; init; }
}
