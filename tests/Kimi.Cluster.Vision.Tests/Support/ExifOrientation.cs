using System.Buffers.Binary;

namespace Kimi.Cluster.Vision.Tests.Support;

/// <summary>Adds an EXIF APP1 segment holding only an Orientation tag to a JPEG, right after its SOI marker.</summary>
internal static class ExifOrientation
{
    public static byte[] Insert(byte[] jpeg, ushort orientation)
    {
        // TIFF header (little-endian), one IFD entry: tag 0x0112, type SHORT, count 1, the value.
        var tiff = new byte[26];
        "II"u8.CopyTo(tiff);
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(2), 42);
        BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(4), 8);
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(8), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(10), 0x0112);
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(12), 3);
        BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(14), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(18), orientation);
        byte[] payload = [.. "Exif\0\0"u8, .. tiff];
        var segmentLength = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(segmentLength, (ushort)(payload.Length + 2));
        return [.. jpeg.AsSpan(0, 2), 0xFF, 0xE1, .. segmentLength, .. payload, .. jpeg.AsSpan(2)];
    }
}
