using SkiaSharp;

namespace Kimi.Cluster.Vision.Decoding;

/// <summary>
/// Encoded bytes to the RGB image Pillow's <c>Image.open(...).convert("RGB")</c> gives, which is
/// what Moonshot's processor resizes. That means: alpha is dropped, not composited (a fully
/// transparent pixel keeps its stored colour, so pixels are decoded unpremultiplied); palette and
/// grey expand to RGB; no colour management (no ICC or gAMA applied); no EXIF rotation; a GIF is
/// its first frame. One known difference: a 16-bit greyscale PNG keeps each sample's high byte
/// (Skia reduces it to 8 bits while reading), where Pillow clips the 16-bit value to 255 and so
/// turns most such images white; 16-bit RGB, RGBA and grey+alpha PNGs match Pillow (high byte).
/// The size is checked twice before any pixel is decoded: the encoded byte count,
/// then the dimensions in the header, so a decompression bomb costs a header read.
/// </summary>
public static class ImageDecoder
{
    public static RgbImage Decode(ReadOnlySpan<byte> encoded, ImageDecodingLimits? limits = null)
    {
        limits ??= ImageDecodingLimits.Default;
        var format = SniffSupportedFormat(encoded, limits);
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data) ?? throw Unreadable(encoded, format);
        var (width, height) = CheckDimensions(codec.Info, limits, format);
        byte[] rgba = SkiaPixelReader.ReadRgba(codec, format);
        if (format == EncodedImageFormat.Gif)
            GifFirstFrameFill.Apply(encoded, rgba);
        return new RgbImage(width, height, DropAlpha(rgba));
    }

    private static EncodedImageFormat SniffSupportedFormat(ReadOnlySpan<byte> encoded, ImageDecodingLimits limits)
    {
        if (encoded.IsEmpty)
            throw Reject(ImageRejectionReason.Empty, "the image is empty (0 bytes)");
        if (encoded.Length > limits.MaxEncodedBytes)
            throw Reject(ImageRejectionReason.TooManyBytes, $"the image is {encoded.Length} bytes, more than the limit of {limits.MaxEncodedBytes}");
        var format = ImageFormatSniffer.Sniff(encoded);
        if (!ImageFormatSniffer.IsSupported(format))
        {
            string what = format == EncodedImageFormat.Unknown ? "not a recognised image format" : $"{format}, which is not supported";
            throw Reject(ImageRejectionReason.UnsupportedFormat, $"the image is {what}; send PNG, JPEG, WebP or GIF", format);
        }
        return format;
    }

    /// <summary>Reads only the header's dimensions; nothing is decoded yet.</summary>
    private static (int Width, int Height) CheckDimensions(SKImageInfo info, ImageDecodingLimits limits, EncodedImageFormat format)
    {
        if (info.Width <= 0 || info.Height <= 0)
            throw Reject(ImageRejectionReason.ZeroSize, $"the {format} image is {info.Width}x{info.Height}", format);
        long pixels = (long)info.Width * info.Height;
        if (pixels > limits.MaxPixels)
            throw Reject(ImageRejectionReason.TooManyPixels, $"the {format} image is {info.Width}x{info.Height} ({pixels} pixels), more than the limit of {limits.MaxPixels}", format);
        return (info.Width, info.Height);
    }

    private static byte[] DropAlpha(byte[] rgba)
    {
        byte[] rgb = GC.AllocateUninitializedArray<byte>(rgba.Length / 4 * 3);
        for (int source = 0, target = 0; source < rgba.Length; source += 4, target += 3)
        {
            rgb[target] = rgba[source];
            rgb[target + 1] = rgba[source + 1];
            rgb[target + 2] = rgba[source + 2];
        }
        return rgb;
    }

    /// <summary>Skia refuses a PNG header with a zero side outright; say so instead of calling the data corrupt.</summary>
    private static ImageRejectedException Unreadable(ReadOnlySpan<byte> encoded, EncodedImageFormat format) =>
        format == EncodedImageFormat.Png && PngHeader.TryReadSize(encoded) is { } size && (size.Width == 0 || size.Height == 0)
            ? Reject(ImageRejectionReason.ZeroSize, $"the Png image is {size.Width}x{size.Height}", format)
            : Reject(ImageRejectionReason.Undecodable, $"the {format} data could not be read", format);

    private static ImageRejectedException Reject(ImageRejectionReason reason, string message, EncodedImageFormat format = EncodedImageFormat.Unknown) =>
        new(reason, message, format);
}
