using Kimi.Cluster.Kernels.Rows;
using Kimi.Cluster.Model.Configuration;
using Kimi.Cluster.Model.TensorSupport;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Layers;

/// <summary>
/// Rotary position embedding with yarn frequency scaling, applied to interleaved pairs
/// (x[2i], x[2i+1]) as the checkpoints store them. Angles are computed in double so long
/// positions keep their precision.
/// </summary>
public sealed class YarnRotaryEmbedding
{
    private readonly double[] _inverseFrequencies;
    private readonly double _cosSinScale;

    public YarnRotaryEmbedding(ModelConfig config)
    {
        _inverseFrequencies = InverseFrequencies(config.QkRopeHeadDim, config.RopeTheta, config.RopeScaling);
        _cosSinScale = config.RopeScaling is { } yarn
            ? ModelConfig.YarnMscale(yarn.Factor, yarn.Mscale) / ModelConfig.YarnMscale(yarn.Factor, yarn.MscaleAllDim)
            : 1.0;
    }

    public IReadOnlyList<double> InverseFrequencyValues => _inverseFrequencies;

    /// <summary>freq_extra blended into freq_inter = freq_extra / factor by yarn's linear ramp over the rotary dims.</summary>
    public static double[] InverseFrequencies(int dim, double theta, RopeScaling? yarn)
    {
        var extrapolated = Enumerable.Range(0, dim / 2).Select(i => 1.0 / Math.Pow(theta, 2.0 * i / dim)).ToArray();
        if (yarn is null)
            return extrapolated;
        double low = Math.Max(Math.Floor(CorrectionDim(yarn.BetaFast, dim, theta, yarn.OriginalMaxPositionEmbeddings)), 0);
        double high = Math.Min(Math.Ceiling(CorrectionDim(yarn.BetaSlow, dim, theta, yarn.OriginalMaxPositionEmbeddings)), dim - 1);
        if (low == high)
            high += 0.001;
        return extrapolated.Select((extra, i) =>
        {
            double ramp = Math.Clamp((i - low) / (high - low), 0, 1);
            double keepExtrapolated = 1 - ramp;
            return extra / yarn.Factor * (1 - keepExtrapolated) + extra * keepExtrapolated;
        }).ToArray();
    }

    private static double CorrectionDim(double rotations, int dim, double theta, int originalMax) =>
        dim * Math.Log(originalMax / (rotations * 2 * Math.PI)) / (2 * Math.Log(theta));

    /// <summary>cos and sin of every (position, pair) angle: two [tokens, dim/2] float32 tensors.</summary>
    public (Tensor Cos, Tensor Sin) Angles(IReadOnlyList<int> positions)
    {
        int pairs = _inverseFrequencies.Length;
        var cos = new float[positions.Count * pairs];
        var sin = new float[positions.Count * pairs];
        for (int t = 0; t < positions.Count; t++)
        {
            for (int i = 0; i < pairs; i++)
            {
                double angle = positions[t] * _inverseFrequencies[i];
                cos[t * pairs + i] = (float)(Math.Cos(angle) * _cosSinScale);
                sin[t * pairs + i] = (float)(Math.Sin(angle) * _cosSinScale);
            }
        }
        return (TensorMemory.FromFloats(cos, positions.Count, pairs), TensorMemory.FromFloats(sin, positions.Count, pairs));
    }

    /// <summary>Rotates x [tokens, (heads,) dim] pairwise into a new tensor; cos/sin are [tokens, dim/2].</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        var rotated = x.to(ScalarType.Float32).contiguous().clone();
        RotateInPlace(rotated, x.dim() == 3 ? (int)x.size(1) : 1, 0, (int)x.size(-1), cos, sin);
        return rotated.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Rotates, in place, <paramref name="slices"/> rotary slices of each token's row of a contiguous
    /// float32 tensor [tokens, ...]: slice s starts at <paramref name="offset"/> + s·<paramref name="stride"/>
    /// and holds cos.size(1) pairs (the heads of a query, or the one rope key beside the latent).
    /// One pass, not a dozen libtorch calls.
    /// </summary>
    public static void RotateInPlace(Tensor rows, int slices, int offset, int stride, Tensor cos, Tensor sin)
    {
        int tokens = (int)rows.size(0);
        int rowWidth = tokens == 0 ? 0 : (int)(rows.numel() / tokens);
        RowOps.RotatePairs(TensorMemory.Floats(rows), tokens, rowWidth, slices, offset, stride,
            TensorMemory.Floats(TensorMemory.ContiguousFloat32(cos)), TensorMemory.Floats(TensorMemory.ContiguousFloat32(sin)));
    }
}
