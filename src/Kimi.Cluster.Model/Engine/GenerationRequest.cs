using Kimi.Cluster.Scheduling;

namespace Kimi.Cluster.Model.Engine;

/// <summary>One sequence to complete: its prompt and how to decode it (the batcher cancels a sequence through the scheduler).</summary>
public sealed record GenerationRequest(IReadOnlyList<int> PromptTokenIds, SamplingParams Sampling)
{
    /// <summary>The caller's id for the request (may be empty), carried into logs and error messages.</summary>
    public string RequestId { get; init; } = "";

    /// <summary>
    /// How many of the prompt's last tokens an earlier attempt generated (a generation resumed on
    /// another worker): they count for the penalties as generated tokens. The seeded draws need
    /// nothing more, being numbered by position.
    /// </summary>
    public int ResumedTokens { get; init; }

    /// <summary>
    /// What the scheduler needs of it, under <paramref name="id"/>: the prompt, the budget and the
    /// tokens that end it (the stop token ids, and <paramref name="eosTokenIds"/> unless ignore_eos).
    /// </summary>
    public SequenceRequest ToSequence(long id, IEnumerable<int> eosTokenIds)
    {
        var stops = new HashSet<int>(Sampling.StopTokenIds);
        if (!Sampling.IgnoreEos)
            stops.UnionWith(eosTokenIds);
        return new SequenceRequest(id, PromptTokenIds, Sampling.MaxTokens) { StopTokenIds = stops };
    }
}
