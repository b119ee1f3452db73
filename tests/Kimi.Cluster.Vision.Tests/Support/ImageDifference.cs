using Kimi.Cluster.Vision.Decoding;

namespace Kimi.Cluster.Vision.Tests.Support;

/// <summary>Compares two RGB images and says where they first differ, for assertion messages.</summary>
internal static class ImageDifference
{
    /// <summary>Null when equal within <paramref name="tolerance"/> per channel; otherwise the first and largest difference.</summary>
    public static string? Describe(RgbImage actual, RgbImage expected, int tolerance = 0)
    {
        if (actual.Width != expected.Width || actual.Height != expected.Height)
            return $"size {actual.Width}x{actual.Height}, expected {expected.Width}x{expected.Height}";
        int first = -1, largest = 0, count = 0;
        for (int i = 0; i < actual.Pixels.Length; i++)
        {
            int difference = Math.Abs(actual.Pixels[i] - expected.Pixels[i]);
            if (difference <= tolerance)
                continue;
            count++;
            largest = Math.Max(largest, difference);
            if (first < 0)
                first = i;
        }
        if (count == 0)
            return null;
        int pixel = first / 3;
        return $"{count} channel values differ (largest by {largest}); first at x={pixel % actual.Width}, y={pixel / actual.Width}, channel {first % 3}: "
            + $"{actual.Pixels[first]}, expected {expected.Pixels[first]}";
    }
}
