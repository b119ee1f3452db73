using Kimi.Cluster.Kernels.Rows;
using Kimi.Cluster.Model.TensorSupport;
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

    /// <summary>The width it normalises.</summary>
    public int Size => _weight.Length;

    public Tensor Forward(Tensor x) // [..., size]
    {
        using var scope = NewDisposeScope();
        var input = TensorMemory.ContiguousFloat32(x);
        var output = empty(TensorSizes.Of(x), ScalarType.Float32);
        Forward(TensorMemory.Floats(input), TensorMemory.Floats(output));
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>Rows of <see cref="Size"/> floats from <paramref name="x"/> into <paramref name="y"/>, the same bits as the tensor form.</summary>
    public void Forward(ReadOnlySpan<float> x, Span<float> y) => RowOps.RmsNorm(x, _weight, Eps, y);

    /// <summary>
    /// Normalises, in place, the first weight-size values of each row of a contiguous float32
    /// [rows, width] tensor (MLA's latent beside its rope key), leaving the rest of each row alone.
    /// </summary>
    public void ForwardRowStartsInPlace(Tensor rows)
    {
        int width = (int)rows.size(-1);
        var values = TensorMemory.Floats(rows);
        for (int start = 0; start < values.Length; start += width)
        {
            var prefix = values.Slice(start, _weight.Length);
            RowOps.RmsNorm(prefix, _weight, Eps, prefix);
        }
    }

    public void Dispose() => Weight.Dispose();
}
