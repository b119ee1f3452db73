using Kimi.Cluster.Router.Api;
using Kimi.Cluster.Text.Chat;
using Kimi.Cluster.Vision.Decoding;
using Kimi.Cluster.Vision.Resizing;
using Kimi.Cluster.Vision.Pixels;

namespace Kimi.Cluster.Router.Images;

/// <summary>
/// Turns a conversation's image parts into <see cref="PreparedImage"/>s, in prompt order: fetch,
/// decode, Moonshot's navit resize (Pillow-exact bicubic) and the content hash. Work that costs
/// CPU runs off the request thread; a bad image is a 400 naming its part.
/// </summary>
public sealed class ImagePreparer(ImageFetcher fetcher)
{
    public ImageInputOptions Options => fetcher.Options;

    /// <summary>The image parts of <paramref name="messages"/> with where each one is, in the order the template renders them.</summary>
    public static IReadOnlyList<ImageReference> ImageParts(IReadOnlyList<ChatMessage> messages)
    {
        var parts = new List<ImageReference>();
        for (int m = 0; m < messages.Count; m++)
        {
            var content = messages[m].Content ?? [];
            for (int p = 0; p < content.Count; p++)
            {
                if (content[p].ImageUrl is { } url)
                    parts.Add(new ImageReference($"messages[{m}].content[{p}]", url));
            }
        }
        return parts;
    }

    public async Task<IReadOnlyList<PreparedImage>> PrepareAsync(IReadOnlyList<ImageReference> parts, CancellationToken cancellation)
    {
        if (parts.Count > Options.MaxImagesPerRequest)
            throw ApiException.InvalidRequest(
                $"the request holds {parts.Count} images; at most {Options.MaxImagesPerRequest} are accepted (--max-images-per-request)", "messages");
        return await Task.WhenAll(parts.Select(part => PrepareOneAsync(part, cancellation)));
    }

    private async Task<PreparedImage> PrepareOneAsync(ImageReference part, CancellationToken cancellation)
    {
        byte[] encoded = part.Data ?? await fetcher.FetchAsync(part.Url!, part.At, cancellation);
        return await Task.Run(() => Prepare(encoded, part.At), cancellation);
    }

    private PreparedImage Prepare(byte[] encoded, string at)
    {
        try
        {
            var limits = new ImageDecodingLimits { MaxEncodedBytes = Options.MaxImageBytes, MaxPixels = Options.MaxPixels };
            var decoded = ImageDecoder.Decode(encoded, limits);
            var plan = NavitResize.Plan(decoded.Width, decoded.Height);
            var resized = plan.ResizedWidth == decoded.Width && plan.ResizedHeight == decoded.Height
                ? decoded
                : PillowBicubicResampler.Resize(decoded, plan.ResizedWidth, plan.ResizedHeight);
            var hash = ImageContentHash.Compute(resized, plan);
            return new PreparedImage(resized.Width, resized.Height, resized.Pixels, plan.MergedTokenCount, hash.ToUInt64());
        }
        catch (ImageRejectedException e)
        {
            throw ApiException.InvalidRequest($"{at}: {e.Message}", "messages");
        }
    }
}
