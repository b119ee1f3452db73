namespace Kimi.Cluster.Model.Engine;

/// <summary>One sequence to complete: its prompt, how to decode it, and a way to abandon it.</summary>
public sealed record GenerationRequest(IReadOnlyList<int> PromptTokenIds, SamplingParams Sampling)
{
    /// <summary>Cancelled when the client has gone: the sequence stops at the next step.</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>The caller's id for the request (may be empty), carried into logs and error messages.</summary>
    public string RequestId { get; init; } = "";
}
