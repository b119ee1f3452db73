using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.TensorSupport;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Layers.Vision;

/// <summary>y = x·Wᵀ + b: the weight held as stored and run by the kernels (<see cref="Linear"/>), the bias float32.</summary>
public sealed class BiasedLinear(Linear linear, Tensor bias) : IDisposable
{
    public static BiasedLinear Load(IWeightSource weights, string module, long outFeatures, long inFeatures) =>
        new(Linear.Load(weights, module, outFeatures, inFeatures), weights.Load(module + ".bias", outFeatures));

    public int OutFeatures => linear.OutFeatures;

    /// <summary>x: [..., in] → [..., out] float32.</summary>
    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = linear.Forward(x);
        return y.add_(bias, KeptScalars.One).MoveToOuterDisposeScope(); // y is the kernel's fresh output
    }

    public void Dispose()
    {
        linear.Dispose();
        bias.Dispose();
    }
}
