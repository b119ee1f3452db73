using Kimi.Cluster.Model.Checkpoints;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Kimi.Cluster.Model.Layers.Vision;

/// <summary>y = (x − mean) / sqrt(var + eps) · weight + bias over the last dimension, float32 (torch's nn.LayerNorm).</summary>
public sealed class LayerNorm(Tensor weight, Tensor bias, double eps) : IDisposable
{
    private readonly long[] _shape = [weight.shape[0]];

    public static LayerNorm Load(IWeightSource weights, string name, long size, double eps) =>
        new(weights.Load(name + ".weight", size), weights.Load(name + ".bias", size), eps);

    public Tensor Forward(Tensor x) // [..., size]
    {
        using var scope = NewDisposeScope();
        return layer_norm(x, _shape, weight, bias, eps).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        weight.Dispose();
        bias.Dispose();
    }
}
