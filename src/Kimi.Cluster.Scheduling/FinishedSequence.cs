namespace Kimi.Cluster.Scheduling;

/// <summary>A request that <see cref="Scheduler{TRequest}.Update"/> finished, with how many tokens it generated.</summary>
public sealed record FinishedSequence<TRequest>(TRequest Request, FinishReason Reason, int OutputTokens) where TRequest : SequenceRequest
{
    public long Id => Request.Id;
}
