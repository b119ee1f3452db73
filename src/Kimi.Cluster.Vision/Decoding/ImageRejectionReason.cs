namespace Kimi.Cluster.Vision.Decoding;

/// <summary>Why an image was refused; the router maps each to a 400 with <see cref="ImageRejectedException"/>'s message.</summary>
public enum ImageRejectionReason
{
    /// <summary>No bytes at all.</summary>
    Empty,

    /// <summary>More encoded bytes than <see cref="ImageDecodingLimits.MaxEncodedBytes"/>.</summary>
    TooManyBytes,

    /// <summary>A recognised format we do not decode (BMP, TIFF, SVG, HEIF, ...), or no image signature at all.</summary>
    UnsupportedFormat,

    /// <summary>The signature is a supported format's but the data is corrupt or truncated.</summary>
    Undecodable,

    /// <summary>The header declares a width or height of zero.</summary>
    ZeroSize,

    /// <summary>The header declares more pixels than <see cref="ImageDecodingLimits.MaxPixels"/> (a decompression bomb, or just too large).</summary>
    TooManyPixels,
}
