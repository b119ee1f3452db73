using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Layers;

/// <summary>The gate's decision for a batch: which experts each token goes to and with what weight.</summary>
public sealed record ExpertRouting(Tensor ExpertIds, Tensor Weights) : IDisposable // [tokens, k] int64, [tokens, k] float32
{
    public void Dispose()
    {
        ExpertIds.Dispose();
        Weights.Dispose();
    }
}
