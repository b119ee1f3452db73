namespace Kimi.Cluster.Vision.Resizing;

/// <summary>
/// For one axis of a Pillow BICUBIC resize: which input pixels each output pixel reads (a window
/// <c>[Start, Start + Count)</c>) and their weights as 22-bit fixed point. Computed once per
/// axis, then shared by every row or column. Every floating-point step follows Pillow's
/// <c>precompute_coeffs</c> and <c>normalize_coeffs_8bpc</c> in the same order, because one ulp
/// of difference in a weight can move a rounded pixel by one.
/// </summary>
internal sealed class BicubicWindows
{
    /// <summary>Fractional bits of a weight: 32 minus 8 for the pixel minus 2 of headroom for the kernel's overshoot.</summary>
    public const int PrecisionBits = 22;

    /// <summary>Pillow's BICUBIC support radius in input pixels at scale 1 (the kernel is zero past 2).</summary>
    private const double Support = 2.0;

    private BicubicWindows(int[] starts, int[] counts, int[] weights, int stride)
    {
        Starts = starts;
        Counts = counts;
        Weights = weights;
        Stride = stride;
    }

    /// <summary>First input index of each output's window.</summary>
    public int[] Starts { get; }

    /// <summary>Number of input pixels in each output's window.</summary>
    public int[] Counts { get; }

    /// <summary>Fixed-point weights, output <c>i</c>'s at <c>[i * Stride, i * Stride + Counts[i])</c>; they sum to about 1 &lt;&lt; 22.</summary>
    public int[] Weights { get; }

    /// <summary>Room per output in <see cref="Weights"/>: the widest window possible at this scale.</summary>
    public int Stride { get; }

    public static BicubicWindows Create(int inputSize, int outputSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputSize);
        double scale = (double)inputSize / outputSize;
        // Downscaling widens the kernel by the scale (antialiasing); upscaling keeps it at 2.
        double filterScale = Math.Max(scale, 1.0);
        double support = Support * filterScale;
        int stride = (int)Math.Ceiling(support) * 2 + 1;
        var starts = new int[outputSize];
        var counts = new int[outputSize];
        var weights = new int[outputSize * stride];
        var taps = new double[stride];
        double inverseFilterScale = 1.0 / filterScale;
        for (int output = 0; output < outputSize; output++)
        {
            double center = (output + 0.5) * scale;
            // Pillow rounds by adding 0.5 and truncating toward zero, then clamps to the image.
            int start = Math.Max(0, (int)(center - support + 0.5));
            int end = Math.Min(inputSize, (int)(center + support + 0.5));
            int count = end - start;
            NormalizedTaps(taps.AsSpan(0, count), start, center, inverseFilterScale);
            ToFixedPoint(taps.AsSpan(0, count), weights.AsSpan(output * stride, count));
            starts[output] = start;
            counts[output] = count;
        }
        return new BicubicWindows(starts, counts, weights, stride);
    }

    /// <summary>Kernel values at each input pixel's centre, divided by their sum so that flat areas stay flat.</summary>
    private static void NormalizedTaps(Span<double> taps, int start, double center, double inverseFilterScale)
    {
        double sum = 0.0;
        for (int i = 0; i < taps.Length; i++)
        {
            taps[i] = Cubic((i + start - center + 0.5) * inverseFilterScale);
            sum += taps[i];
        }
        if (sum == 0.0)
            return;
        for (int i = 0; i < taps.Length; i++)
            taps[i] /= sum;
    }

    /// <summary>Scales to 22 fraction bits, rounding half away from zero as Pillow does.</summary>
    private static void ToFixedPoint(ReadOnlySpan<double> taps, Span<int> weights)
    {
        const double one = 1 << PrecisionBits;
        for (int i = 0; i < taps.Length; i++)
            weights[i] = taps[i] < 0 ? (int)(-0.5 + taps[i] * one) : (int)(0.5 + taps[i] * one);
    }

    /// <summary>
    /// Keys' cubic convolution kernel with a = -0.5 (Catmull-Rom), evaluated in Pillow's operation
    /// order: 1.5|x|^3 - 2.5|x|^2 + 1 inside 1, -0.5(|x|^3 - 5|x|^2 + 8|x| - 4) inside 2.
    /// </summary>
    internal static double Cubic(double x)
    {
        const double a = -0.5;
        if (x < 0.0)
            x = -x;
        if (x < 1.0)
            return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        if (x < 2.0)
            return (((x - 5) * x + 8) * x - 4) * a;
        return 0.0;
    }
}
