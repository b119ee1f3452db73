using Kimi.Cluster.Model.Checkpoints;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Kimi.Cluster.Model.Layers;

/// <summary>
/// down(silu(gate(x)) ⊙ up(x)): the dense MLP of the first layers, each routed expert, and
/// the shared expert are all this block with different widths.
/// </summary>
public sealed class SwiGluMlp(Tensor gateProj, Tensor upProj, Tensor downProj) : IDisposable
{
    public static SwiGluMlp Load(IWeightSource weights, string prefix, long hidden, long intermediate) => new(
        weights.Load(prefix + ".gate_proj.weight", intermediate, hidden),
        weights.Load(prefix + ".up_proj.weight", intermediate, hidden),
        weights.Load(prefix + ".down_proj.weight", hidden, intermediate));

    /// <summary>Bytes of float32 weights held.</summary>
    public long WeightBytes => (gateProj.numel() + upProj.numel() + downProj.numel()) * sizeof(float);

    public Tensor Forward(Tensor x) // [tokens, hidden] → [tokens, hidden]
    {
        using var scope = NewDisposeScope();
        var hidden = silu(linear(x, gateProj)) * linear(x, upProj); // [tokens, intermediate]
        return linear(hidden, downProj).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        gateProj.Dispose();
        upProj.Dispose();
        downProj.Dispose();
    }
}
