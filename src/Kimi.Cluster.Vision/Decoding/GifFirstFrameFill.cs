namespace Kimi.Cluster.Vision.Decoding;

/// <summary>
/// The colour Pillow gives the pixels of a GIF's first frame that Skia leaves fully transparent.
/// Pillow opens a GIF as a palette image: it fills the canvas with the frame's transparent index
/// (index 0 when it has none), decodes the frame's rectangle over it, and <c>convert("RGB")</c>
/// then shows that index's palette colour wherever the frame was transparent or absent. Skia
/// instead decodes those pixels as transparent black. Reading the few header bytes that name the
/// index and the palette lets the decoder put Pillow's colour back.
/// </summary>
internal static class GifFirstFrameFill
{
    private const int ScreenDescriptorEnd = 13;

    /// <summary>Gives Pillow's fill colour to every fully transparent pixel of the decoded RGBA frame.</summary>
    public static void Apply(ReadOnlySpan<byte> gif, byte[] rgba)
    {
        if (Read(gif) is not var (red, green, blue))
            return;
        for (int i = 0; i < rgba.Length; i += 4)
        {
            if (rgba[i + 3] == 0)
                (rgba[i], rgba[i + 1], rgba[i + 2]) = (red, green, blue);
        }
    }

    /// <summary>The fill colour as R, G, B; null when the header cannot be walked to the first image.</summary>
    public static (byte R, byte G, byte B)? Read(ReadOnlySpan<byte> gif)
    {
        if (gif.Length < ScreenDescriptorEnd)
            return null;
        int position = ScreenDescriptorEnd;
        var palette = ReadColorTable(gif, gif[10], ref position);
        int? transparentIndex = null;
        while (position < gif.Length)
        {
            byte introducer = gif[position++];
            if (introducer == 0x21 && position < gif.Length)
            {
                byte label = gif[position++];
                if (label == 0xF9 && position + 4 < gif.Length && (gif[position + 1] & 1) != 0)
                    transparentIndex = gif[position + 4];
                if (!SkipSubBlocks(gif, ref position))
                    return null;
            }
            else if (introducer == 0x2C && position + 9 <= gif.Length)
            {
                position += 8; // left, top, width, height
                var localPalette = ReadColorTable(gif, gif[position++], ref position);
                return PaletteColor(localPalette.IsEmpty ? palette : localPalette, transparentIndex ?? 0);
            }
            else
            {
                return null; // trailer or garbage before any image
            }
        }
        return null;
    }

    /// <summary>Pillow's palette starts as a grey ramp and the file's entries overwrite its start, so an index past them is grey.</summary>
    private static (byte R, byte G, byte B) PaletteColor(ReadOnlySpan<byte> palette, int index) =>
        index * 3 + 2 < palette.Length
            ? (palette[index * 3], palette[index * 3 + 1], palette[index * 3 + 2])
            : ((byte)index, (byte)index, (byte)index);

    /// <summary>The colour table that a packed-fields byte announces (bit 7 set, 2^(n+1) entries), advancing past it.</summary>
    private static ReadOnlySpan<byte> ReadColorTable(ReadOnlySpan<byte> gif, byte packedFields, ref int position)
    {
        if ((packedFields & 0x80) == 0)
            return [];
        int length = 3 << ((packedFields & 7) + 1);
        int available = Math.Clamp(gif.Length - position, 0, length);
        var table = gif.Slice(position, available);
        position += length;
        return table;
    }

    /// <summary>Skips an extension's data sub-blocks (each a length byte and that many bytes) through the zero terminator.</summary>
    private static bool SkipSubBlocks(ReadOnlySpan<byte> gif, ref int position)
    {
        while (position < gif.Length)
        {
            int length = gif[position++];
            if (length == 0)
                return true;
            position += length;
        }
        return false;
    }
}
