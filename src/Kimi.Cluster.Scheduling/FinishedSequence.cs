namespace Kimi.Cluster.Scheduling;

/// <summary>A sequence that <see cref="Scheduler.Update"/> finished, with how many tokens it generated.</summary>
public sealed record FinishedSequence(long Id, FinishReason Reason, int OutputTokens);
