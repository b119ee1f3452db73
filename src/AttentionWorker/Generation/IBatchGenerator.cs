using Kimi.Cluster.Model.Engine;

namespace Kimi.Cluster.AttentionWorker.Generation;

/// <summary>
/// Runs a batch of generation requests to completion on the caller's thread. The
/// engine is the real implementation; the seam lets batching and the gRPC surface be
/// tested without loading a model.
/// </summary>
public interface IBatchGenerator : IDisposable
{
    ModelDescriptor Model { get; }

    /// <summary>Not thread-safe: the batcher is the only caller.</summary>
    IReadOnlyList<GenerationResult> Generate(
        IReadOnlyList<GenerationRequest> requests, Action<int, GeneratedToken> onToken);
}
