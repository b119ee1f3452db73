using Kimi.Cluster.Vision.Decoding;

namespace Kimi.Cluster.Vision.Tests.Support;

/// <summary>
/// Deterministic test pictures: noise (every pixel independent, the hardest case for a resampler's
/// rounding), smooth gradients (what photos mostly are), and hard black-white edges (the kernel's
/// overshoot must clip to 0 and 255).
/// </summary>
internal static class TestImages
{
    public enum Kind { Noise, Gradient, NoisyGradient, Edges }

    public static RgbImage Create(Kind kind, int width, int height, int seed = 1) => kind switch
    {
        Kind.Noise => Noise(width, height, seed),
        Kind.Gradient => Gradient(width, height, noise: 0, seed),
        Kind.NoisyGradient => Gradient(width, height, noise: 24, seed),
        Kind.Edges => Edges(width, height),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static RgbImage Noise(int width, int height, int seed = 1)
    {
        var pixels = new byte[width * height * 3];
        new Random(seed).NextBytes(pixels);
        return new RgbImage(width, height, pixels);
    }

    /// <summary>Red along x, green along y, blue along the diagonal, plus optional noise of +-noise/2.</summary>
    public static RgbImage Gradient(int width, int height, int noise = 0, int seed = 1)
    {
        var random = new Random(seed);
        var pixels = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int i = (y * width + x) * 3;
                pixels[i] = Jitter(255 * x / Math.Max(1, width - 1), noise, random);
                pixels[i + 1] = Jitter(255 * y / Math.Max(1, height - 1), noise, random);
                pixels[i + 2] = Jitter(255 * (x + y) / Math.Max(1, width + height - 2), noise, random);
            }
        }
        return new RgbImage(width, height, pixels);
    }

    /// <summary>Black and white squares of 3 to 7 pixels with a colour stripe, so edges fall at every phase.</summary>
    public static RgbImage Edges(int width, int height)
    {
        var pixels = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int i = (y * width + x) * 3;
                bool white = (x / (3 + y % 5) + y / 7) % 2 == 0;
                pixels[i] = white ? (byte)255 : (byte)0;
                pixels[i + 1] = white ? (byte)255 : (byte)0;
                pixels[i + 2] = (x % 11 < 2) ? (byte)255 : pixels[i];
            }
        }
        return new RgbImage(width, height, pixels);
    }

    /// <summary>RGBA from RGB plus an alpha pattern that includes fully transparent and half transparent pixels.</summary>
    public static byte[] WithAlpha(RgbImage image)
    {
        var rgba = new byte[image.Width * image.Height * 4];
        for (int p = 0; p < image.Width * image.Height; p++)
        {
            image.Pixels.AsSpan(p * 3, 3).CopyTo(rgba.AsSpan(p * 4));
            rgba[p * 4 + 3] = (p % 3) switch { 0 => 0, 1 => 128, _ => 255 };
        }
        return rgba;
    }

    private static byte Jitter(int value, int noise, Random random) =>
        noise == 0 ? (byte)value : (byte)Math.Clamp(value + random.Next(noise) - noise / 2, 0, 255);
}
