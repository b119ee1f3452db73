namespace Kimi.Cluster.Vision.Decoding;

/// <summary>
/// The container an encoded image's first bytes announce. Only <see cref="Png"/>,
/// <see cref="Jpeg"/>, <see cref="WebP"/> and <see cref="Gif"/> are decoded (the formats the
/// OpenAI image input accepts); the others are recognised so that a refusal can name them.
/// </summary>
public enum EncodedImageFormat
{
    /// <summary>No known signature: not an image, or a format we do not recognise.</summary>
    Unknown,
    Png,
    Jpeg,
    WebP,
    Gif,
    Bmp,
    Tiff,
    Ico,
    Svg,
    Heif,
    Avif,
    JpegXl,
    Jpeg2000,
    Psd,
}
