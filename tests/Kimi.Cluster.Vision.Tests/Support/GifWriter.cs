namespace Kimi.Cluster.Vision.Tests.Support;

/// <summary>
/// Writes GIF89a files (no encoder library writes GIFs with chosen transparent indices, frame
/// rectangles and local palettes). The LZW stream uses 8-bit codes and sends a clear code every
/// 250 codes, so every code is 9 bits and no dictionary entries are ever used: valid for every
/// decoder, just uncompressed.
/// </summary>
internal static class GifWriter
{
    private const int ClearCode = 256, EndCode = 257, CodesPerClear = 250;

    public static byte[] Write(int width, int height, byte[] globalPalette, params GifFrame[] frames)
    {
        using var gif = new MemoryStream();
        gif.Write("GIF89a"u8);
        WriteUInt16(gif, width);
        WriteUInt16(gif, height);
        var table = PaddedPalette(globalPalette, out int sizeBits);
        gif.WriteByte((byte)(0x80 | 0x70 | sizeBits)); // global table, 8-bit colour resolution
        gif.WriteByte(0); // background index
        gif.WriteByte(0); // no aspect ratio
        gif.Write(table);
        if (frames.Length > 1)
            gif.Write([0x21, 0xFF, 11, .. "NETSCAPE2.0"u8, 3, 1, 0, 0, 0]); // loop forever
        foreach (var frame in frames)
            WriteFrame(gif, frame);
        gif.WriteByte(0x3B);
        return gif.ToArray();
    }

    private static void WriteFrame(MemoryStream gif, GifFrame frame)
    {
        byte packed = (byte)((frame.Disposal << 2) | (frame.TransparentIndex is null ? 0 : 1));
        gif.Write([0x21, 0xF9, 4, packed, 10, 0, (byte)(frame.TransparentIndex ?? 0), 0]);
        gif.WriteByte(0x2C);
        WriteUInt16(gif, frame.Left);
        WriteUInt16(gif, frame.Top);
        WriteUInt16(gif, frame.Width);
        WriteUInt16(gif, frame.Height);
        if (frame.LocalPalette is { } local)
        {
            var table = PaddedPalette(local, out int sizeBits);
            gif.WriteByte((byte)(0x80 | sizeBits));
            gif.Write(table);
        }
        else
        {
            gif.WriteByte(0);
        }
        gif.WriteByte(8); // LZW minimum code size
        WriteSubBlocks(gif, Lzw(frame.Indices));
    }

    private static byte[] Lzw(byte[] indices)
    {
        var bits = new BitWriter();
        for (int i = 0; i < indices.Length; i++)
        {
            if (i % CodesPerClear == 0)
                bits.Write(ClearCode, 9);
            bits.Write(indices[i], 9);
        }
        bits.Write(EndCode, 9);
        return bits.ToArray();
    }

    private static void WriteSubBlocks(MemoryStream gif, byte[] data)
    {
        for (int offset = 0; offset < data.Length; offset += 255)
        {
            int length = Math.Min(255, data.Length - offset);
            gif.WriteByte((byte)length);
            gif.Write(data, offset, length);
        }
        gif.WriteByte(0);
    }

    /// <summary>A colour table padded with black to 2^(n+1) entries; n is what the packed field stores.</summary>
    private static byte[] PaddedPalette(byte[] palette, out int sizeBits)
    {
        sizeBits = 0;
        while (3 << (sizeBits + 1) < palette.Length)
            sizeBits++;
        var table = new byte[3 << (sizeBits + 1)];
        palette.CopyTo(table, 0);
        return table;
    }

    private static void WriteUInt16(Stream stream, int value)
    {
        stream.WriteByte((byte)value);
        stream.WriteByte((byte)(value >> 8));
    }

    /// <summary>GIF packs codes least significant bit first.</summary>
    private sealed class BitWriter
    {
        private readonly List<byte> _bytes = [];
        private int _buffer, _count;

        public void Write(int code, int width)
        {
            _buffer |= code << _count;
            _count += width;
            while (_count >= 8)
            {
                _bytes.Add((byte)_buffer);
                _buffer >>= 8;
                _count -= 8;
            }
        }

        public byte[] ToArray() => _count > 0 ? [.. _bytes, (byte)_buffer] : [.. _bytes];
    }
}
