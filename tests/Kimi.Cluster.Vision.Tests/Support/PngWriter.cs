using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;

namespace Kimi.Cluster.Vision.Tests.Support;

/// <summary>
/// Writes PNG files chunk by chunk, so tests can make every colour type and bit depth (palette
/// with tRNS, 1-bit grey, 16-bit, grey with alpha, gAMA) that an encoder library would not.
/// Scanlines are given already packed; each is stored with filter type 0.
/// </summary>
internal static class PngWriter
{
    public const byte Grey = 0, Rgb = 2, Palette = 3, GreyAlpha = 4, Rgba = 6;

    public static byte[] Write(int width, int height, byte colorType, byte bitDepth, byte[] packedRows,
        byte[]? palette = null, byte[]? transparency = null, IEnumerable<(string Type, byte[] Data)>? extraChunks = null)
    {
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = bitDepth;
        header[9] = colorType;
        WriteChunk(png, "IHDR", header);
        foreach (var (type, data) in extraChunks ?? [])
            WriteChunk(png, type, data);
        if (palette is not null)
            WriteChunk(png, "PLTE", palette);
        if (transparency is not null)
            WriteChunk(png, "tRNS", transparency);
        WriteChunk(png, "IDAT", Compress(packedRows, height));
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>Bytes per packed row for the given width, channels and bit depth.</summary>
    public static int RowBytes(int width, int channels, int bitDepth) => (width * channels * bitDepth + 7) / 8;

    /// <summary>Packs one sample per byte (values below 2^bitDepth) into 1, 2 or 4-bit rows, most significant bits first.</summary>
    public static byte[] PackLowBitDepth(byte[] samples, int width, int height, int bitDepth)
    {
        int rowBytes = RowBytes(width, 1, bitDepth);
        var packed = new byte[rowBytes * height];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int bit = x * bitDepth;
                packed[y * rowBytes + bit / 8] |= (byte)(samples[y * width + x] << (8 - bitDepth - bit % 8));
            }
        }
        return packed;
    }

    private static byte[] Compress(byte[] packedRows, int height)
    {
        int rowBytes = packedRows.Length / height;
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            for (int y = 0; y < height; y++)
            {
                zlib.WriteByte(0); // filter: none
                zlib.Write(packedRows, y * rowBytes, rowBytes);
            }
        }
        return compressed.ToArray();
    }

    private static void WriteChunk(Stream png, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        png.Write(length);
        byte[] typeAndData = [.. Encoding.ASCII.GetBytes(type), .. data];
        png.Write(typeAndData);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32.HashToUInt32(typeAndData));
        png.Write(crc);
    }
}
