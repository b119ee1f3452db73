using System.Runtime.InteropServices;
using Kimi.Cluster.Vision.Decoding;
using SkiaSharp;

namespace Kimi.Cluster.Vision.Tests.Support;

/// <summary>JPEG and WebP files for the tests, made with Skia's encoders (libjpeg-turbo, libwebp).</summary>
internal static class SkiaEncoder
{
    public static byte[] Jpeg(RgbImage image, int quality, SKJpegEncoderDownsample downsample = SKJpegEncoderDownsample.Downsample420) =>
        Encode(ToRgba(image), image.Width, image.Height, SKAlphaType.Opaque,
            pixmap => pixmap.Encode(new SKJpegEncoderOptions(quality, downsample, SKJpegEncoderAlphaOption.Ignore)));

    public static byte[] JpegGrey(RgbImage image, int quality)
    {
        var grey = new byte[image.Width * image.Height];
        for (int p = 0; p < grey.Length; p++)
            grey[p] = image.Pixels[p * 3 + 1];
        var info = new SKImageInfo(image.Width, image.Height, SKColorType.Gray8, SKAlphaType.Opaque);
        return EncodeInfo(info, grey, pixmap => pixmap.Encode(new SKJpegEncoderOptions(quality)));
    }

    public static byte[] WebP(RgbImage image, bool lossless, int quality = 90) =>
        Encode(ToRgba(image), image.Width, image.Height, SKAlphaType.Opaque, pixmap => pixmap.Encode(WebPOptions(lossless, quality)));

    public static byte[] WebPWithAlpha(byte[] rgba, int width, int height, bool lossless, int quality = 90) =>
        Encode(rgba, width, height, SKAlphaType.Unpremul, pixmap => pixmap.Encode(WebPOptions(lossless, quality)));

    public static byte[] Png(RgbImage image) =>
        Encode(ToRgba(image), image.Width, image.Height, SKAlphaType.Opaque, pixmap => pixmap.Encode(SKEncodedImageFormat.Png, 100));

    private static SKWebpEncoderOptions WebPOptions(bool lossless, int quality) =>
        new(lossless ? SKWebpEncoderCompression.Lossless : SKWebpEncoderCompression.Lossy, quality);

    private static byte[] Encode(byte[] rgba, int width, int height, SKAlphaType alpha, Func<SKPixmap, SKData?> encode) =>
        EncodeInfo(new SKImageInfo(width, height, SKColorType.Rgba8888, alpha), rgba, encode);

    private static byte[] EncodeInfo(SKImageInfo info, byte[] pixels, Func<SKPixmap, SKData?> encode)
    {
        var handle = GCHandle.Alloc(pixels, GCHandleType.Pinned);
        try
        {
            using var pixmap = new SKPixmap(info, handle.AddrOfPinnedObject(), info.RowBytes);
            using var data = encode(pixmap) ?? throw new InvalidOperationException("Skia did not encode the image");
            return data.ToArray();
        }
        finally
        {
            handle.Free();
        }
    }

    public static byte[] ToRgba(RgbImage image)
    {
        var rgba = new byte[image.Width * image.Height * 4];
        for (int p = 0; p < image.Width * image.Height; p++)
        {
            image.Pixels.AsSpan(p * 3, 3).CopyTo(rgba.AsSpan(p * 4));
            rgba[p * 4 + 3] = 255;
        }
        return rgba;
    }
}
