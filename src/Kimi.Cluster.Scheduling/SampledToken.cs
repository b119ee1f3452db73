namespace Kimi.Cluster.Scheduling;

/// <summary>
/// The token the engine sampled for a sequence in a step; <paramref name="Stop"/> when the sampler
/// saw a stop condition (end of sequence, stop token), since the scheduler does not know the vocabulary.
/// </summary>
public sealed record SampledToken(long Id, int Token, bool Stop = false);
