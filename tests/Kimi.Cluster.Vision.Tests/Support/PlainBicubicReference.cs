using Kimi.Cluster.Vision.Decoding;

namespace Kimi.Cluster.Vision.Tests.Support;

/// <summary>
/// A second BICUBIC resampler written for reading, not speed: for every output sample it walks
/// the input pixels under the kernel, computes their weights from scratch in double, normalises
/// and rounds them to 22-bit fixed point, and sums. It shares no code with the production one;
/// what it shares is the specification (Pillow's order of operations and rounding), so that any
/// difference is a bug in one of the two.
/// </summary>
internal static class PlainBicubicReference
{
    public static RgbImage Resize(RgbImage source, int width, int height)
    {
        var pixels = source.Pixels;
        int sourceWidth = source.Width, sourceHeight = source.Height;
        if (width != sourceWidth)
        {
            pixels = Pass(pixels, sourceWidth, sourceHeight, width, horizontal: true);
            sourceWidth = width;
        }
        if (height != sourceHeight)
            pixels = Pass(pixels, sourceWidth, sourceHeight, height, horizontal: false);
        return new RgbImage(width, height, pixels == source.Pixels ? (byte[])pixels.Clone() : pixels);
    }

    private static byte[] Pass(byte[] input, int inWidth, int inHeight, int outSize, bool horizontal)
    {
        int outWidth = horizontal ? outSize : inWidth, outHeight = horizontal ? inHeight : outSize;
        int inSize = horizontal ? inWidth : inHeight;
        var output = new byte[outWidth * outHeight * 3];
        for (int y = 0; y < outHeight; y++)
        {
            for (int x = 0; x < outWidth; x++)
            {
                var (first, weights) = Weights(inSize, outSize, horizontal ? x : y);
                for (int channel = 0; channel < 3; channel++)
                {
                    long sum = 1 << 21;
                    for (int k = 0; k < weights.Length; k++)
                    {
                        int ix = horizontal ? first + k : x, iy = horizontal ? y : first + k;
                        sum += input[(iy * inWidth + ix) * 3 + channel] * (long)weights[k];
                    }
                    output[(y * outWidth + x) * 3 + channel] = (byte)Math.Clamp(sum >> 22, 0, 255);
                }
            }
        }
        return output;
    }

    /// <summary>The input pixels output <paramref name="o"/> reads and their fixed-point weights.</summary>
    private static (int First, long[] Weights) Weights(int inSize, int outSize, int o)
    {
        double scale = (double)inSize / outSize;
        double stretch = scale < 1.0 ? 1.0 : scale; // the kernel widens only when shrinking
        double radius = 2.0 * stretch;
        double centre = (o + 0.5) * scale;
        int first = Math.Max(0, (int)(centre - radius + 0.5));
        int last = Math.Min(inSize, (int)(centre + radius + 0.5));
        var raw = new double[last - first];
        for (int i = first; i < last; i++)
            raw[i - first] = Kernel((i - centre + 0.5) * (1.0 / stretch));
        double total = raw.Sum();
        var weights = new long[raw.Length];
        for (int k = 0; k < raw.Length; k++)
        {
            double w = total == 0.0 ? raw[k] : raw[k] / total;
            weights[k] = (long)(w < 0 ? w * 4194304.0 - 0.5 : w * 4194304.0 + 0.5);
        }
        return (first, weights);
    }

    /// <summary>Catmull-Rom (a = -0.5), in Pillow's Horner form so that doubles round the same way.</summary>
    private static double Kernel(double x)
    {
        x = Math.Abs(x);
        if (x < 1.0)
            return (1.5 * x - 2.5) * x * x + 1;
        return x < 2.0 ? (((x - 5) * x + 8) * x - 4) * -0.5 : 0.0;
    }
}
