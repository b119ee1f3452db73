using Kimi.Cluster.AttentionWorker.Experts;

namespace Kimi.Cluster.AttentionWorker.Batching;

/// <summary>
/// What a request whose step failed is told: that generation failed, why when the reason is one
/// of ours and worth reading (an expert worker that could not be reached), and under which request
/// id the worker logged the cause. Anything else (a libtorch error with its native stack trace)
/// stays in the log.
/// </summary>
public sealed class GenerationFailedException(string requestId, string reason)
    : Exception($"generation failed for request {requestId}: {reason}; the attention worker logged the cause under this request id")
{
    public string RequestId { get; } = requestId;

    public static GenerationFailedException For(string requestId, Exception cause) => new(requestId, cause switch
    {
        ExpertExchangeException expertsFailed => expertsFailed.Message,
        _ => "the attention worker could not compute a step",
    });
}
