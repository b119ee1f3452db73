using Kimi.Cluster.Kernels;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Layers;

/// <summary>The gate's decision for a batch: which experts each token goes to and with what weight.</summary>
public sealed record ExpertRouting(Tensor ExpertIds, Tensor Weights) : IDisposable // [tokens, k] int64, [tokens, k] float32
{
    /// <summary>The choices as (token, expert, weight) triples, token-major: what the expert kernels take.</summary>
    public ExpertAssignment[] Assignments()
    {
        long k = ExpertIds.shape[1];
        long[] experts = ExpertIds.to(ScalarType.Int64).data<long>().ToArray();
        float[] weights = Weights.to(ScalarType.Float32).data<float>().ToArray();
        return [.. experts.Select((expert, pair) => new ExpertAssignment((int)(pair / k), (int)expert, weights[pair]))];
    }

    public void Dispose()
    {
        ExpertIds.Dispose();
        Weights.Dispose();
    }
}
