using TorchSharp;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Layers;

/// <summary>y = x / sqrt(mean(x²) + eps) · weight, computed in float32.</summary>
public sealed class RmsNorm(Tensor weight, double eps) : IDisposable
{
    private readonly Scalar _eps = eps.ToScalar(); // kept with the module: see KeptScalars

    public Tensor Weight { get; } = weight;
    public double Eps { get; } = eps;

    public static RmsNorm Load(Checkpoints.IWeightSource weights, string name, long size, double eps) =>
        new(weights.Load(name + ".weight", size), eps);

    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var meanSquare = (x * x).mean([-1], keepdim: true); // not square(): it makes a Scalar 2 on the fly
        return (x * rsqrt(meanSquare.add(_eps, KeptScalars.One)) * Weight).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        Weight.Dispose();
        _eps.Dispose();
    }
}
