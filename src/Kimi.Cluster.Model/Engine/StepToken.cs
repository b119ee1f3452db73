using Kimi.Cluster.Scheduling;

namespace Kimi.Cluster.Model.Engine;

/// <summary>A token <see cref="ContinuousEngine.Step"/> sampled for request <paramref name="Id"/>.</summary>
public sealed record StepToken(long Id, GeneratedToken Token)
{
    /// <summary>The token in the scheduler's terms, which decides whether it ends the sequence.</summary>
    public SampledToken ToSampled() => new(Id, Token.TokenId);
}
