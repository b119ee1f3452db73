using System.Text;

namespace Kimi.Cluster.Vision.Decoding;

/// <summary>
/// Tells an encoded image's format from its magic numbers. A client's declared MIME type (a data
/// URL's <c>image/png</c>) is not trusted: Pillow ignores it too and opens whatever the bytes are.
/// </summary>
public static class ImageFormatSniffer
{
    /// <summary>The formats <see cref="ImageDecoder"/> decodes.</summary>
    public static bool IsSupported(EncodedImageFormat format) =>
        format is EncodedImageFormat.Png or EncodedImageFormat.Jpeg or EncodedImageFormat.WebP or EncodedImageFormat.Gif;

    public static EncodedImageFormat Sniff(ReadOnlySpan<byte> encoded) => encoded switch
    {
        [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => EncodedImageFormat.Png,
        [0xFF, 0xD8, 0xFF, ..] => EncodedImageFormat.Jpeg,
        [(byte)'G', (byte)'I', (byte)'F', (byte)'8', (byte)'7' or (byte)'9', (byte)'a', ..] => EncodedImageFormat.Gif,
        [(byte)'R', (byte)'I', (byte)'F', (byte)'F', _, _, _, _, (byte)'W', (byte)'E', (byte)'B', (byte)'P', ..] => EncodedImageFormat.WebP,
        [(byte)'B', (byte)'M', ..] => EncodedImageFormat.Bmp,
        [(byte)'I', (byte)'I', 0x2A, 0x00, ..] or [(byte)'M', (byte)'M', 0x00, 0x2A, ..] => EncodedImageFormat.Tiff,
        [(byte)'8', (byte)'B', (byte)'P', (byte)'S', ..] => EncodedImageFormat.Psd,
        [0xFF, 0x0A, ..] or [0x00, 0x00, 0x00, 0x0C, (byte)'J', (byte)'X', (byte)'L', (byte)' ', ..] => EncodedImageFormat.JpegXl,
        [0x00, 0x00, 0x00, 0x0C, (byte)'j', (byte)'P', (byte)' ', (byte)' ', ..] or [0xFF, 0x4F, 0xFF, 0x51, ..] => EncodedImageFormat.Jpeg2000,
        [_, _, _, _, (byte)'f', (byte)'t', (byte)'y', (byte)'p', ..] => SniffIsoMediaBrand(encoded[8..]),
        [0x00, 0x00, 0x01 or 0x02, 0x00, ..] => EncodedImageFormat.Ico, // 1: icon, 2: cursor; after 'ftyp', whose box size may start the same
        _ => LooksLikeSvg(encoded) ? EncodedImageFormat.Svg : EncodedImageFormat.Unknown,
    };

    /// <summary>HEIF and AVIF share the ISO media 'ftyp' box; its major brand says which.</summary>
    private static EncodedImageFormat SniffIsoMediaBrand(ReadOnlySpan<byte> afterFtyp)
    {
        if (afterFtyp.Length < 4)
            return EncodedImageFormat.Unknown;
        return Encoding.ASCII.GetString(afterFtyp[..4]) switch
        {
            "avif" or "avis" => EncodedImageFormat.Avif,
            "heic" or "heix" or "hevc" or "hevx" or "heim" or "heis" or "mif1" or "msf1" => EncodedImageFormat.Heif,
            _ => EncodedImageFormat.Unknown,
        };
    }

    /// <summary>SVG is XML text: an &lt;svg element near the start, after an optional BOM, XML declaration or doctype.</summary>
    private static bool LooksLikeSvg(ReadOnlySpan<byte> encoded)
    {
        var head = encoded[..Math.Min(encoded.Length, 1024)];
        if (head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
            head = head[3..];
        head = head.TrimStart(" \t\r\n"u8);
        return head.StartsWith("<"u8) && head.IndexOf("<svg"u8) >= 0;
    }
}
