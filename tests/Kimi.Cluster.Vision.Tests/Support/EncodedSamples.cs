using Kimi.Cluster.Vision.Decoding;
using SkiaSharp;

namespace Kimi.Cluster.Vision.Tests.Support;

/// <summary>One encoded test file: a name for messages, the bytes, and how far a decoder may differ from Pillow on it.</summary>
internal sealed record EncodedSample(string Name, byte[] Encoded, int Tolerance = 0);

/// <summary>
/// Files of every supported format and the PNG and GIF variants whose conversion to RGB has rules
/// of its own (alpha, grey, palettes, low and high bit depths, colour keys, frames).
/// </summary>
internal static class EncodedSamples
{
    public static IEnumerable<EncodedSample> All() => [.. Png(), .. Jpeg(), .. WebP(), .. Gif()];

    public static IEnumerable<EncodedSample> Png()
    {
        var picture = TestImages.Gradient(37, 23, noise: 40, seed: 3);
        yield return new("png rgb", PngWriter.Write(37, 23, PngWriter.Rgb, 8, picture.Pixels));
        yield return new("png rgba", PngWriter.Write(37, 23, PngWriter.Rgba, 8, TestImages.WithAlpha(picture)));
        yield return new("png rgb 1x1", PngWriter.Write(1, 1, PngWriter.Rgb, 8, [200, 100, 50]));
        yield return new("png grey 8-bit", PngWriter.Write(37, 23, PngWriter.Grey, 8, Samples(37 * 23, 256, seed: 4)));
        foreach (int bits in new[] { 1, 2, 4 })
            yield return new($"png grey {bits}-bit", PngWriter.Write(37, 23, PngWriter.Grey, (byte)bits, PngWriter.PackLowBitDepth(Samples(37 * 23, 1 << bits, seed: bits), 37, 23, bits)));
        yield return new("png grey+alpha", PngWriter.Write(37, 23, PngWriter.GreyAlpha, 8, Samples(37 * 23 * 2, 256, seed: 5)));
        yield return new("png grey+alpha 16-bit", PngWriter.Write(37, 23, PngWriter.GreyAlpha, 16, Samples(37 * 23 * 4, 256, seed: 6)));
        yield return new("png rgb 16-bit", PngWriter.Write(37, 23, PngWriter.Rgb, 16, Samples(37 * 23 * 6, 256, seed: 7)));
        yield return new("png rgba 16-bit", PngWriter.Write(37, 23, PngWriter.Rgba, 16, Samples(37 * 23 * 8, 256, seed: 8)));
        yield return new("png palette+tRNS", PngWriter.Write(37, 23, PngWriter.Palette, 8, Samples(37 * 23, 200, seed: 9),
            palette: Samples(200 * 3, 256, seed: 10), transparency: [0, 0, 128, 255, 0]));
        yield return new("png palette 4-bit", PngWriter.Write(37, 23, PngWriter.Palette, 4, PngWriter.PackLowBitDepth(Samples(37 * 23, 16, seed: 11), 37, 23, 4),
            palette: Samples(16 * 3, 256, seed: 12)));
        yield return new("png rgb colour key", PngWriter.Write(37, 23, PngWriter.Rgb, 8, ColourKeyed(picture), transparency: [0, 255, 0, 0, 0, 255]));
        yield return new("png rgb gAMA 1.0", PngWriter.Write(37, 23, PngWriter.Rgb, 8, picture.Pixels, extraChunks: [("gAMA", [0, 1, 0x86, 0xA0])]));
    }

    public static IEnumerable<EncodedSample> Jpeg()
    {
        var picture = TestImages.Gradient(64, 48, noise: 30, seed: 13);
        var odd = TestImages.Gradient(33, 17, noise: 30, seed: 14);
        yield return new("jpeg q90 4:2:0", SkiaEncoder.Jpeg(picture, 90));
        yield return new("jpeg q95 4:4:4", SkiaEncoder.Jpeg(picture, 95, SKJpegEncoderDownsample.Downsample444));
        yield return new("jpeg q80 4:2:2 odd size", SkiaEncoder.Jpeg(odd, 80, SKJpegEncoderDownsample.Downsample422));
        yield return new("jpeg grey", SkiaEncoder.JpegGrey(picture, 90));
    }

    public static IEnumerable<EncodedSample> WebP()
    {
        var picture = TestImages.Gradient(45, 31, noise: 30, seed: 15);
        yield return new("webp lossless", SkiaEncoder.WebP(picture, lossless: true));
        yield return new("webp lossy", SkiaEncoder.WebP(picture, lossless: false));
        yield return new("webp lossless alpha", SkiaEncoder.WebPWithAlpha(TestImages.WithAlpha(picture), 45, 31, lossless: true));
        yield return new("webp lossy alpha", SkiaEncoder.WebPWithAlpha(TestImages.WithAlpha(picture), 45, 31, lossless: false));
    }

    public static IEnumerable<EncodedSample> Gif()
    {
        byte[] palette = Samples(64 * 3, 256, seed: 16);
        var full = new GifFrame(0, 0, 29, 19, Samples(29 * 19, 64, seed: 17));
        var second = new GifFrame(0, 0, 29, 19, Samples(29 * 19, 64, seed: 18));
        yield return new("gif single frame", GifWriter.Write(29, 19, palette, full));
        yield return new("gif animated", GifWriter.Write(29, 19, palette, full, second with { Disposal = 1 }));
        yield return new("gif transparent index", GifWriter.Write(29, 19, palette, full with { TransparentIndex = 5 }));
        var inner = new GifFrame(4, 3, 15, 9, Samples(15 * 9, 64, seed: 19));
        yield return new("gif frame inside canvas", GifWriter.Write(29, 19, palette, inner));
        yield return new("gif frame inside canvas, transparent", GifWriter.Write(29, 19, palette, inner with { TransparentIndex = 7 }));
        yield return new("gif local palette", GifWriter.Write(29, 19, palette, full with { LocalPalette = Samples(64 * 3, 256, seed: 20), TransparentIndex = 2 }));
    }

    /// <summary>
    /// A 16-bit greyscale PNG with samples across the whole range, kept out of <see cref="All"/>:
    /// it is the one file where the decoder knowingly differs from Pillow (see ImageDecoder).
    /// </summary>
    public static byte[] SixteenBitGreyPng(int width, int height, out ushort[] samples)
    {
        var bytes = Samples(width * height * 2, 256, seed: 21);
        samples = new ushort[width * height];
        for (int i = 0; i < samples.Length; i++)
            samples[i] = (ushort)(bytes[2 * i] << 8 | bytes[2 * i + 1]);
        samples[0] = 200; // below 256: Pillow keeps it, the high byte is 0
        bytes[0] = 0;
        bytes[1] = 200;
        return PngWriter.Write(width, height, PngWriter.Grey, 16, bytes);
    }

    /// <summary>Deterministic bytes below <paramref name="bound"/>.</summary>
    public static byte[] Samples(int count, int bound, int seed)
    {
        var random = new Random(seed);
        var samples = new byte[count];
        for (int i = 0; i < count; i++)
            samples[i] = (byte)random.Next(bound);
        return samples;
    }

    /// <summary>The picture with every fifth pixel set to the colour key (255, 0, 255).</summary>
    private static byte[] ColourKeyed(RgbImage picture)
    {
        var pixels = (byte[])picture.Pixels.Clone();
        for (int p = 0; p < picture.Width * picture.Height; p += 5)
            (pixels[p * 3], pixels[p * 3 + 1], pixels[p * 3 + 2]) = ((byte)255, (byte)0, (byte)255);
        return pixels;
    }
}
