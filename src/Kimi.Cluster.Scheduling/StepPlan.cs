namespace Kimi.Cluster.Scheduling;

/// <summary>
/// What one step computes: the scheduled sequences (decodes first, then prefill chunks) and the
/// ids of sequences preempted to make room, which lost their KV and will be recomputed.
/// </summary>
public sealed record StepPlan<TRequest>(IReadOnlyList<ScheduledSequence<TRequest>> Sequences, IReadOnlyList<long> Preempted)
    where TRequest : SequenceRequest
{
    /// <summary>Tokens computed in this step, over all sequences.</summary>
    public int TotalTokens => Sequences.Sum(s => s.Count);

    /// <summary>Whether there is nothing to compute.</summary>
    public bool IsEmpty => Sequences.Count == 0;
}
