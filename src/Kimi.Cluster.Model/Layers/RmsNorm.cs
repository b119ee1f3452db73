using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Layers;

/// <summary>y = x / sqrt(mean(x²) + eps) · weight, computed in float32.</summary>
public sealed class RmsNorm(Tensor weight, double eps) : IDisposable
{
    public Tensor Weight { get; } = weight;
    public double Eps { get; } = eps;

    public static RmsNorm Load(Checkpoints.IWeightSource weights, string name, long size, double eps) =>
        new(weights.Load(name + ".weight", size), eps);

    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var meanSquare = x.pow(2).mean([-1], keepdim: true);
        return (x * rsqrt(meanSquare + Eps) * Weight).MoveToOuterDisposeScope();
    }

    public void Dispose() => Weight.Dispose();
}
