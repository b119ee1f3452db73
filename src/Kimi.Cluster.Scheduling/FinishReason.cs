namespace Kimi.Cluster.Scheduling;

/// <summary>
/// Why a sequence finished: the one type for it in every process (the proto's enum is its form on
/// the wire, and the router's finish_reason strings its form in the OpenAI API).
/// </summary>
public enum FinishReason
{
    /// <summary>It sampled one of its stop tokens (a stop token id or an end-of-sequence token).</summary>
    Stop,

    /// <summary>Max tokens or the model's context was reached.</summary>
    Length,

    /// <summary>It was cancelled (the client went away) before either.</summary>
    Cancelled,
}
