using Kimi.Cluster.Scheduling;

namespace Kimi.Cluster.AttentionWorker.Batching;

/// <summary>The scheduler refused a request (queue full, too long, ...): the call fails at once.</summary>
public sealed class AdmissionRefusedException(Refusal refusal) : Exception(refusal.Message)
{
    public Refusal Refusal { get; } = refusal;
}
