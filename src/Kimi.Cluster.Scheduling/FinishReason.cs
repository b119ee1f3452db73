namespace Kimi.Cluster.Scheduling;

/// <summary>Why a sequence finished, in the OpenAI API's terms.</summary>
public enum FinishReason
{
    /// <summary>The sampler reported a stop condition.</summary>
    Stop,

    /// <summary>Max tokens or the model's context was reached.</summary>
    Length,
}
