namespace Kimi.Cluster.Model.Engine;

/// <summary>One sequence to complete: its prompt and how to decode it (the batcher cancels a sequence through the scheduler).</summary>
public sealed record GenerationRequest(IReadOnlyList<int> PromptTokenIds, SamplingParams Sampling)
{
    /// <summary>The caller's id for the request (may be empty), carried into logs and error messages.</summary>
    public string RequestId { get; init; } = "";
}
