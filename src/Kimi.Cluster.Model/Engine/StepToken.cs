using Kimi.Cluster.Scheduling;

namespace Kimi.Cluster.Model.Engine;

/// <summary>
/// A token <see cref="ContinuousEngine.Step"/> sampled for request <paramref name="Id"/>;
/// <paramref name="Finished"/> when the engine's stopping rules ended the request with it.
/// </summary>
public sealed record StepToken(long Id, GeneratedToken Token, bool Finished)
{
    /// <summary>The result in the scheduler's terms: a finished request is a stop to it.</summary>
    public SampledToken ToSampled() => new(Id, Token.TokenId, Finished);
}
