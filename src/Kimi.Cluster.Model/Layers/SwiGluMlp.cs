using Kimi.Cluster.Kernels;
using Kimi.Cluster.Model.Checkpoints;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Kimi.Cluster.Model.Layers;

/// <summary>
/// down(silu(gate(x)) ⊙ up(x)): the dense MLP of the first layers, each routed expert, and
/// the shared expert are all this block with different widths; weights are held as stored.
/// </summary>
public sealed class SwiGluMlp(Linear gateProj, Linear upProj, Linear downProj) : IDisposable
{
    public static SwiGluMlp Load(IWeightSource weights, string prefix, long hidden, long intermediate) => new(
        Linear.Load(weights, prefix + ".gate_proj", intermediate, hidden),
        Linear.Load(weights, prefix + ".up_proj", intermediate, hidden),
        Linear.Load(weights, prefix + ".down_proj", hidden, intermediate));

    /// <summary>The three matrices as the grouped expert kernel takes them.</summary>
    public ExpertWeights Weights { get; } = new(gateProj.Weights, upProj.Weights, downProj.Weights);

    public Tensor Forward(Tensor x) // [tokens, hidden] → [tokens, hidden]
    {
        using var scope = NewDisposeScope();
        var hidden = silu(gateProj.Forward(x)) * upProj.Forward(x); // [tokens, intermediate]
        return downProj.Forward(hidden).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        gateProj.Dispose();
        upProj.Dispose();
        downProj.Dispose();
    }
}
