using System.Runtime.InteropServices;
using SkiaSharp;

namespace Kimi.Cluster.Vision.Decoding;

/// <summary>
/// Decodes a codec's first frame to RGBA8888 in a managed array: unpremultiplied, so that a
/// transparent pixel keeps its colour, and with no colour space, so that Skia converts nothing
/// (Pillow applies no ICC profile or gamma either).
/// </summary>
internal static class SkiaPixelReader
{
    public const int Channels = 4;

    public static byte[] ReadRgba(SKCodec codec, EncodedImageFormat format)
    {
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul, colorspace: null);
        // Zeroed, not uninitialised: a GIF frame smaller than its canvas leaves the rest untouched.
        var pixels = new byte[checked(info.Width * info.Height * Channels)];
        var handle = GCHandle.Alloc(pixels, GCHandleType.Pinned);
        try
        {
            var result = codec.GetPixels(info, handle.AddrOfPinnedObject(), info.RowBytes, new SKCodecOptions(frameIndex: 0));
            // A truncated file is refused, as Pillow refuses it, rather than passed on half grey.
            if (result != SKCodecResult.Success)
                throw new ImageRejectedException(ImageRejectionReason.Undecodable, $"the {format} data could not be decoded ({result})", format);
        }
        finally
        {
            handle.Free();
        }
        return pixels;
    }
}
