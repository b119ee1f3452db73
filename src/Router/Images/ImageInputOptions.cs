namespace Kimi.Cluster.Router.Images;

/// <summary>How the router takes images from requests: data: URLs always, http(s) URLs unless turned off.</summary>
public sealed record ImageInputOptions
{
    // The checkpoint's image limits bound the tokens; these bound the work before that: a 20 MiB
    // file is a large photo, and 50 megapixels (8660×5773) decode to 200 MB of RGBA.
    public const long DefaultMaxImageBytes = 20L * 1024 * 1024;
    public const long DefaultMaxPixels = 50_000_000;
    public const int DefaultMaxImagesPerRequest = 16;
    public static readonly TimeSpan DefaultFetchTimeout = TimeSpan.FromSeconds(10);

    /// <summary>--disable-remote-images turns this off: then only data: URLs are taken.</summary>
    public bool AllowRemote { get; init; } = true;

    /// <summary>--max-image-bytes: the largest encoded image, fetched or inline.</summary>
    public long MaxImageBytes { get; init; } = DefaultMaxImageBytes;

    /// <summary>The most pixels an image may have (checked from its header before decoding).</summary>
    public long MaxPixels { get; init; } = DefaultMaxPixels;

    /// <summary>--image-fetch-timeout: how long fetching one http(s) image may take.</summary>
    public TimeSpan FetchTimeout { get; init; } = DefaultFetchTimeout;

    /// <summary>--max-images-per-request, over all messages.</summary>
    public int MaxImagesPerRequest { get; init; } = DefaultMaxImagesPerRequest;
}
