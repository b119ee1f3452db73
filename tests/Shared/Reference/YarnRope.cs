namespace Kimi.Cluster.Tests.Shared.Reference;

/// <summary>
/// Rotary embeddings with YaRN scaling, following DeepseekV3YarnRotaryEmbedding in Hugging
/// Face's modeling_deepseek.py, applied to INTERLEAVED pairs (x[2i], x[2i+1]).
/// </summary>
public static class YarnRope
{
    /// <summary>yarn_get_mscale: 1 when scale ≤ 1, else 0.1·mscale·ln(scale) + 1.</summary>
    public static double GetMscale(double scale, double mscale) =>
        scale <= 1 ? 1.0 : 0.1 * mscale * Math.Log(scale) + 1.0;

    /// <summary>yarn_find_correction_dim: the dimension whose wavelength fits r rotations in the original context.</summary>
    public static double CorrectionDim(double rotations, int dim, double theta, int originalMax) =>
        dim * Math.Log(originalMax / (rotations * 2 * Math.PI)) / (2 * Math.Log(theta));

    /// <summary>yarn_find_correction_range: (max(floor(c(beta_fast)), 0), min(ceil(c(beta_slow)), dim − 1)).</summary>
    public static (int Low, int High) CorrectionRange(double betaFast, double betaSlow, int dim, double theta, int originalMax)
    {
        int low = (int)Math.Floor(CorrectionDim(betaFast, dim, theta, originalMax));
        int high = (int)Math.Ceiling(CorrectionDim(betaSlow, dim, theta, originalMax));
        return (Math.Max(low, 0), Math.Min(high, dim - 1));
    }

    /// <summary>inv_freq[i], i in 0..dim/2−1; blends interpolated and original frequencies by the yarn ramp.</summary>
    public static double[] InverseFrequencies(int dim, double theta, YarnScaling? scaling)
    {
        var inv = new double[dim / 2];
        for (int i = 0; i < inv.Length; i++)
        {
            inv[i] = 1.0 / Math.Pow(theta, 2.0 * i / dim);
        }
        if (scaling is null)
        {
            return inv;
        }
        var (low, high) = CorrectionRange(scaling.BetaFast, scaling.BetaSlow, dim, theta, scaling.OriginalMaxPositionEmbeddings);
        double highF = low == high ? high + 0.001 : high; // yarn_linear_ramp_mask avoids 0/0
        for (int i = 0; i < inv.Length; i++)
        {
            double ramp = Math.Clamp((i - low) / (highF - low), 0, 1);
            double extrapolationMask = 1 - ramp;
            double interpolated = inv[i] / scaling.Factor;
            inv[i] = interpolated * (1 - extrapolationMask) + inv[i] * extrapolationMask;
        }
        return inv;
    }

    /// <summary>Factor on cos and sin: mscale(factor, mscale) / mscale(factor, mscale_all_dim).</summary>
    public static double CosSinScale(YarnScaling? scaling) => scaling is null
        ? 1.0
        : GetMscale(scaling.Factor, scaling.Mscale) / GetMscale(scaling.Factor, scaling.MscaleAllDim);

    /// <summary>1/sqrt(q head dim), times mscale(factor, mscale_all_dim)² when yarn sets mscale_all_dim.</summary>
    public static double SoftmaxScale(int qkHeadDim, YarnScaling? scaling)
    {
        double scale = 1.0 / Math.Sqrt(qkHeadDim);
        if (scaling is { MscaleAllDim: not 0 })
        {
            double m = GetMscale(scaling.Factor, scaling.MscaleAllDim);
            scale *= m * m;
        }
        return scale;
    }

    /// <summary>
    /// Rotates pair i of x[offset .. offset+2·invFreq.Length) by position·invFreq[i]:
    /// (a·cos − b·sin, a·sin + b·cos), cos and sin both multiplied by <paramref name="cosSinScale"/>.
    /// Returns a new array of just the rotated slice.
    /// </summary>
    public static double[] ApplyInterleaved(double[] x, int offset, int position, double[] invFreq, double cosSinScale = 1.0)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(invFreq);
        var y = new double[invFreq.Length * 2];
        for (int i = 0; i < invFreq.Length; i++)
        {
            double angle = position * invFreq[i];
            double cos = Math.Cos(angle) * cosSinScale, sin = Math.Sin(angle) * cosSinScale;
            double a = x[offset + 2 * i], b = x[offset + 2 * i + 1];
            y[2 * i] = a * cos - b * sin;
            y[2 * i + 1] = a * sin + b * cos;
        }
        return y;
    }
}
