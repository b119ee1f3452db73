namespace Kimi.Cluster.Vision.Decoding;

/// <summary>
/// What the decoder accepts before it spends memory on an image. Both limits are checked before
/// any pixel is decoded: the byte count first, then the dimensions the header declares.
/// </summary>
public sealed record ImageDecodingLimits
{
    public static ImageDecodingLimits Default { get; } = new();

    /// <summary>
    /// The most encoded bytes. 20 MiB is the per-image limit OpenAI documents for image input, so
    /// clients written against it fit; a base64 data URL of that size is already ~27 MB of JSON.
    /// </summary>
    public long MaxEncodedBytes { get; init; } = 20L * 1024 * 1024;

    /// <summary>
    /// The most pixels (width x height) the header may declare. 50 megapixels covers 8K frames
    /// (33 MP) and 48 MP phone photos, stays under Pillow's own decompression-bomb warning (~89.5 MP),
    /// and bounds the decode buffer at 200 MB (RGBA) per image in flight. Anything larger is
    /// resized down to the same ~4k tokens anyway, so refusing it loses no model input.
    /// </summary>
    public long MaxPixels { get; init; } = 50_000_000;
}
