using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.Configuration;
using Kimi.Cluster.Model.TensorSupport;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Layers.Vision;

/// <summary>Pre-norm encoder block: h = x + attn(norm0(x)); out = h + mlp(norm1(h)).</summary>
public sealed class VisionBlock(LayerNorm norm0, VisionAttention attention, LayerNorm norm1, VisionMlp mlp) : IDisposable
{
    public static VisionBlock Load(VisionConfig config, IWeightSource weights, int block)
    {
        string p = VisionTensorNames.Block(block);
        return new(
            LayerNorm.Load(weights, p + ".norm0", config.HiddenSize, VisionConfig.LayerNormEps),
            VisionAttention.Load(config, weights, p),
            LayerNorm.Load(weights, p + ".norm1", config.HiddenSize, VisionConfig.LayerNormEps),
            VisionMlp.Load(config, weights, p + ".mlp"));
    }

    /// <summary>x: [Σ patches, hidden] → [Σ patches, hidden]; cos/sin as <see cref="VisionAttention.Forward"/> takes them.</summary>
    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, IReadOnlyList<ImageGrid> images)
    {
        using var scope = NewDisposeScope();
        var h = x.Plus(attention.Forward(norm0.Forward(x), cos, sin, images));
        return h.add_(mlp.Forward(norm1.Forward(h)), KeptScalars.One).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        norm0.Dispose();
        attention.Dispose();
        norm1.Dispose();
        mlp.Dispose();
    }
}
