using Kimi.Cluster.Vision.Decoding;

namespace Kimi.Cluster.Vision.Resizing;

/// <summary>
/// Pillow's <c>Image.resize((w, h), resample=BICUBIC)</c> for 8-bit RGB, bit for bit, because the
/// vision encoder was trained on Pillow's pixels. Separable: a horizontal pass into an 8-bit
/// intermediate (rounded and clipped, as Pillow does), then a vertical pass. A pass is skipped
/// when its axis keeps its size: Pillow skips it, and a scale-1 bicubic pass is not the identity
/// (its normalised weights round to values that move some pixels). Integer arithmetic with
/// weights computed once per axis; rows run in parallel.
/// </summary>
public static class PillowBicubicResampler
{
    private const int Channels = RgbImage.Channels;

    /// <summary>Accumulators start at one half in fixed point, so the final shift rounds to nearest.</summary>
    private const int RoundingHalf = 1 << (BicubicWindows.PrecisionBits - 1);

    public static RgbImage Resize(RgbImage source, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        var image = source;
        if (width != source.Width)
            image = ResizeHorizontally(image, width);
        if (height != source.Height)
            image = ResizeVertically(image, height);
        // Pillow returns a copy when nothing changes; so do we, so callers may mutate the result.
        return ReferenceEquals(image, source) ? new RgbImage(source.Width, source.Height, (byte[])source.Pixels.Clone()) : image;
    }

    private static RgbImage ResizeHorizontally(RgbImage source, int width)
    {
        var windows = BicubicWindows.Create(source.Width, width);
        byte[] target = GC.AllocateUninitializedArray<byte>(checked(width * source.Height * Channels));
        Parallel.For(0, source.Height, y =>
            ResampleRow(source.Pixels.AsSpan(y * source.Width * Channels, source.Width * Channels),
                target.AsSpan(y * width * Channels, width * Channels), windows));
        return new RgbImage(width, source.Height, target);
    }

    private static void ResampleRow(ReadOnlySpan<byte> input, Span<byte> output, BicubicWindows windows)
    {
        for (int x = 0; x < windows.Starts.Length; x++)
        {
            int count = windows.Counts[x];
            var weights = windows.Weights.AsSpan(x * windows.Stride, count);
            var window = input.Slice(windows.Starts[x] * Channels, count * Channels);
            int red = RoundingHalf, green = RoundingHalf, blue = RoundingHalf;
            for (int tap = 0; tap < weights.Length; tap++)
            {
                int weight = weights[tap];
                int i = tap * Channels;
                red += window[i] * weight;
                green += window[i + 1] * weight;
                blue += window[i + 2] * weight;
            }
            output[x * Channels] = Clip(red);
            output[x * Channels + 1] = Clip(green);
            output[x * Channels + 2] = Clip(blue);
        }
    }

    /// <summary>
    /// Each output row is a weighted sum of whole input rows: accumulating row by row keeps the
    /// inner loop contiguous (and vectorisable) instead of striding down columns.
    /// </summary>
    private static RgbImage ResizeVertically(RgbImage source, int height)
    {
        var windows = BicubicWindows.Create(source.Height, height);
        int rowBytes = source.Width * Channels;
        byte[] target = GC.AllocateUninitializedArray<byte>(checked(rowBytes * height));
        Parallel.For(0, height, () => new int[rowBytes], (y, _, sums) =>
        {
            sums.AsSpan().Fill(RoundingHalf);
            var weights = windows.Weights.AsSpan(y * windows.Stride, windows.Counts[y]);
            for (int tap = 0; tap < weights.Length; tap++)
                AddWeightedRow(source.Row(windows.Starts[y] + tap), weights[tap], sums);
            var output = target.AsSpan(y * rowBytes, rowBytes);
            for (int i = 0; i < sums.Length; i++)
                output[i] = Clip(sums[i]);
            return sums;
        }, _ => { });
        return new RgbImage(source.Width, height, target);
    }

    private static void AddWeightedRow(ReadOnlySpan<byte> row, int weight, Span<int> sums)
    {
        for (int i = 0; i < sums.Length; i++)
            sums[i] += row[i] * weight;
    }

    /// <summary>Drops the fraction bits and clamps to a byte: Pillow's <c>clip8</c>.</summary>
    private static byte Clip(int sum) => (byte)Math.Clamp(sum >> BicubicWindows.PrecisionBits, 0, 255);
}
