using Kimi.Cluster.Vision.Decoding;
using Kimi.Cluster.Vision.Resizing;
using Kimi.Cluster.Vision.Pixels;

namespace Kimi.Cluster.Vision;

/// <summary>
/// Encoded image bytes to MoonViT input, as Moonshot's Hugging Face processor makes it: decode
/// (Pillow's <c>convert("RGB")</c>), plan the size with the navit rule, resize with Pillow's
/// BICUBIC, pad, normalise and patchify. Throws <see cref="ImageRejectedException"/> for an image
/// it will not take. The pieces are public for callers that split the work (a router that
/// decodes, resizes and counts tokens; a worker that only pads and patchifies what it is sent).
/// </summary>
public sealed class ImagePreprocessor(ImagePreprocessorOptions options)
{
    public ImagePreprocessor()
        : this(ImagePreprocessorOptions.KimiK25)
    {
    }

    public ImagePreprocessorOptions Options { get; } = options ?? throw new ArgumentNullException(nameof(options));

    public PreprocessedImage Preprocess(ReadOnlySpan<byte> encoded)
    {
        var decoded = ImageDecoder.Decode(encoded, Options.Limits);
        var plan = NavitResize.Plan(decoded.Width, decoded.Height, Options.Resize);
        // Pillow's resize to the same size is a plain copy, which the pipeline does not need.
        bool keepsSize = plan.ResizedWidth == decoded.Width && plan.ResizedHeight == decoded.Height;
        var resized = keepsSize ? decoded : PillowBicubicResampler.Resize(decoded, plan.ResizedWidth, plan.ResizedHeight);
        return new PreprocessedImage(NavitPatchifier.Patchify(resized, plan), plan, ImageContentHash.Compute(resized, plan));
    }
}
