using Kimi.Cluster.Model.Engine;

namespace Kimi.Cluster.AttentionWorker.Generation;

/// <summary>
/// The model a worker serves: what it is (for ModelInfo and the request checks) and the engine
/// that runs the steps the batcher plans. <see cref="EngineBatchGenerator"/> loads the real one;
/// the seam lets batching and the gRPC surface be tested without a model.
/// </summary>
public interface IBatchGenerator : IDisposable
{
    ModelDescriptor Model { get; }

    /// <summary>Runs the batcher's steps; the batcher's loop is its only caller.</summary>
    IStepEngine Engine { get; }
}
