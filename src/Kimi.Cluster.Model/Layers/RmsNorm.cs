using System.Runtime.InteropServices;
using Kimi.Cluster.Kernels.Rows;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Layers;

/// <summary>y = x / sqrt(mean(x²) + eps) · weight, computed in float32 (the mean in double) in one pass per row.</summary>
public sealed class RmsNorm : IDisposable
{
    private readonly float[] _weight;

    public RmsNorm(Tensor weight, double eps)
    {
        Weight = weight;
        Eps = eps;
        _weight = weight.to(ScalarType.Float32).data<float>().ToArray();
    }

    public Tensor Weight { get; }
    public double Eps { get; }

    public static RmsNorm Load(Checkpoints.IWeightSource weights, string name, long size, double eps) =>
        new(weights.Load(name + ".weight", size), eps);

    public Tensor Forward(Tensor x) // [..., size]
    {
        using var scope = NewDisposeScope();
        var input = x.dtype == ScalarType.Float32 && x.is_contiguous() ? x : x.to(ScalarType.Float32).contiguous();
        var output = empty(x.shape, ScalarType.Float32);
        RowOps.RmsNorm(MemoryMarshal.Cast<byte, float>(input.bytes), _weight, Eps, MemoryMarshal.Cast<byte, float>(output.bytes));
        return output.MoveToOuterDisposeScope();
    }

    public void Dispose() => Weight.Dispose();
}
