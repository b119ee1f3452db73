using Kimi.Cluster.Constraints;

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
    /// Constrained decoding: what the generated tokens must spell (a forced tool call, JSON), or
    /// null. Each sequence walks it with a cursor of its own.
    /// </summary>
    public CompiledConstraint? Constraint { get; init; }

    /// <summary>The prompt's images, in prompt order, each on its run of placeholder tokens.</summary>
    public IReadOnlyList<PromptImageInput> Images { get; init; } = [];
}
