using Kimi.Cluster.Model.Engine;
using Kimi.Cluster.Scheduling;

namespace Kimi.Cluster.AttentionWorker.Generation;

/// <summary>
/// Runs the steps the batcher's scheduler plans and keeps each request's sampler state. The
/// engine is the real implementation; the seam lets batching and the gRPC surface be tested
/// without loading a model. Not thread-safe: the batcher's loop is the only caller.
/// </summary>
public interface IBatchGenerator : IDisposable
{
    ModelDescriptor Model { get; }

    /// <summary>Takes a request under <paramref name="id"/>; throws ArgumentException when the engine refuses its prompt.</summary>
    void Add(long id, GenerationRequest request);

    /// <summary>
    /// Runs one planned step; returns the tokens sampled for sequences that reached their end.
    /// Cancelling <paramref name="cancellation"/> (the worker stopping) abandons the step's expert work.
    /// </summary>
    IReadOnlyList<StepToken> Step(StepPlan plan, CancellationToken cancellation);

    /// <summary>Removes a request the scheduler finished, for <paramref name="reason"/>, and returns its result.</summary>
    GenerationResult Complete(long id, FinishReason reason);

    /// <summary>Removes a cancelled request, if it was added; its result says Cancelled.</summary>
    GenerationResult? Cancel(long id);
}
