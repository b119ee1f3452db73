namespace Kimi.Cluster.Scheduling;

/// <summary>The token the engine sampled for a sequence in a step; <see cref="Scheduler{TRequest}.Update"/> decides whether it ends it.</summary>
public sealed record SampledToken(long Id, int Token);
