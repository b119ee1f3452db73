using Kimi.Cluster.Scheduling;

namespace Kimi.Cluster.Model.Engine;

/// <summary>
/// Runs the steps a <see cref="Scheduler{TRequest}"/> plans: <see cref="ContinuousEngine"/> on the
/// model; the seam lets batching and the gRPC surface be tested without loading one.
/// </summary>
public interface IStepEngine
{
    /// <summary>Throws ArgumentException when the engine cannot run the request (a token outside the vocabulary, say).</summary>
    void Validate(GenerationRequest request);

    /// <summary>
    /// Runs one planned step and samples a token for every sequence whose chunk reaches the end of
    /// its known tokens: each such sequence <see cref="GenerationSequence.Accept"/>s it, and the
    /// scheduler gets it back. Cancelling <paramref name="cancellation"/> (the worker stopping)
    /// abandons the step's remote expert work.
    /// </summary>
    IReadOnlyList<SampledToken> Step<TSequence>(StepPlan<TSequence> plan, CancellationToken cancellation = default)
        where TSequence : GenerationSequence;
}
