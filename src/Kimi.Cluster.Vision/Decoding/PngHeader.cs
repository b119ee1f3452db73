using System.Buffers.Binary;

namespace Kimi.Cluster.Vision.Decoding;

/// <summary>The size a PNG's IHDR chunk declares, read without a codec (which refuses a zero side before saying why).</summary>
internal static class PngHeader
{
    private const int IhdrTypeOffset = 12, WidthOffset = 16, HeightOffset = 20;

    /// <summary>(width, height) from IHDR, or null when the first chunk is not a complete IHDR.</summary>
    public static (long Width, long Height)? TryReadSize(ReadOnlySpan<byte> png)
    {
        if (png.Length < HeightOffset + 4 || !png.Slice(IhdrTypeOffset, 4).SequenceEqual("IHDR"u8))
            return null;
        return (BinaryPrimitives.ReadUInt32BigEndian(png[WidthOffset..]), BinaryPrimitives.ReadUInt32BigEndian(png[HeightOffset..]));
    }
}
