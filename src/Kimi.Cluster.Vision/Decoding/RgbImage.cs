namespace Kimi.Cluster.Vision.Decoding;

/// <summary>
/// An 8-bit RGB image: what Pillow's <c>Image.open(...).convert("RGB")</c> holds, and what every
/// later step (resize, pad, normalise) reads. Pixels are interleaved R, G, B, row-major, with no
/// row padding, so pixel (x, y) starts at <c>(y * Width + x) * 3</c>.
/// </summary>
public sealed class RgbImage
{
    /// <summary>Bytes per pixel: red, green and blue, no alpha.</summary>
    public const int Channels = 3;

    public RgbImage(int width, int height, byte[] pixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.LongLength != (long)width * height * Channels)
            throw new ArgumentException($"{width}x{height} RGB needs {(long)width * height * Channels} bytes, not {pixels.LongLength}", nameof(pixels));
        Width = width;
        Height = height;
        Pixels = pixels;
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Interleaved RGB bytes, <c>Width * Height * 3</c> of them. Not copied: treat as read-only once shared.</summary>
    public byte[] Pixels { get; }

    /// <summary>The bytes of row <paramref name="y"/>.</summary>
    public ReadOnlySpan<byte> Row(int y) => Pixels.AsSpan(y * Width * Channels, Width * Channels);
}
