using Kimi.Cluster.Kernels;
using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.TensorSupport;
using static TorchSharp.torch;

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

    private ExpertWeights?[] AsOneExpert => field ??= [Weights];

    /// <summary>
    /// The grouped expert kernel with this block as the only expert and every token's weight 1:
    /// gate and up in one pass, silu·up applied in the kernel, no libtorch call in between.
    /// </summary>
    public Tensor Forward(Tensor x) // [tokens, hidden] → [tokens, hidden]
    {
        using var scope = NewDisposeScope();
        var input = TensorMemory.ContiguousFloat32(x);
        int tokens = (int)input.size(0);
        var output = empty(tokens, downProj.OutFeatures);
        if (tokens > 0)
        {
            var everyToken = new ExpertAssignment[tokens];
            for (int t = 0; t < tokens; t++)
                everyToken[t] = new ExpertAssignment(t, 0, 1f);
            CpuKernels.Shared.ExpertSwiGlu(TensorMemory.Floats(input), tokens, everyToken, AsOneExpert, TensorMemory.Floats(output));
        }
        return output.MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        gateProj.Dispose();
        upProj.Dispose();
        downProj.Dispose();
    }
}
