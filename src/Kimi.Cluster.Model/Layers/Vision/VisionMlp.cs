using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.Configuration;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Layers.Vision;

/// <summary>fc1(gelu_tanh(fc0(x))), both Linears with biases (MoonViT's "mlp2").</summary>
public sealed class VisionMlp(BiasedLinear fc0, BiasedLinear fc1) : IDisposable
{
    public static VisionMlp Load(VisionConfig config, IWeightSource weights, string prefix) => new(
        BiasedLinear.Load(weights, prefix + ".fc0", config.IntermediateSize, config.HiddenSize),
        BiasedLinear.Load(weights, prefix + ".fc1", config.HiddenSize, config.IntermediateSize));

    public Tensor Forward(Tensor x) // [patches, hidden] → [patches, hidden]
    {
        using var scope = NewDisposeScope();
        return fc1.Forward(fc0.Forward(x).gelu(GELU.Approximate.tanh)).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        fc0.Dispose();
        fc1.Dispose();
    }
}
