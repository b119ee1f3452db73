using Google.Protobuf.Collections;
using Kimi.Cluster.AttentionWorker.Generation;
using Kimi.Cluster.Model.Engine;
using Kimi.Cluster.Model.Layers.Vision;
using Kimi.Cluster.Vision.Decoding;
using Kimi.Cluster.Vision.Pixels;
using Kimi.Cluster.Vision.Resizing;
using Proto = Kimi.Cluster.Contracts.V1;

namespace Kimi.Cluster.AttentionWorker.Requests;

/// <summary>
/// The router's resized images as the engine takes them: each checked against its placeholder
/// run, then padded, normalized and cut into patches here, so the encoder's input is computed the
/// same way on every worker.
/// </summary>
internal static class PromptImages
{
    public static IReadOnlyList<PromptImageInput> ToDomain(RepeatedField<Proto.PromptImage> images, int originalPromptLength, ModelDescriptor model)
    {
        if (images.Count == 0)
            return [];
        if (!model.AcceptsImages)
            throw new InvalidRequestException("images", "images: this model has no vision encoder, so it takes no images.");
        var inputs = new List<PromptImageInput>(images.Count);
        int previousEnd = 0;
        for (int i = 0; i < images.Count; i++)
        {
            var image = images[i];
            string at = $"images[{i}]";
            long pixels = (long)image.Width * image.Height;
            if (pixels == 0 || image.Rgb.Length != pixels * RgbImage.Channels)
                throw new InvalidRequestException("images", $"{at}: {image.Width}×{image.Height} RGB needs {pixels * RgbImage.Channels} bytes, not {image.Rgb.Length}.");
            var plan = Plan(image, at);
            if (plan.MergedTokenCount != image.Tokens)
                throw new InvalidRequestException("images", $"{at}: a {image.Width}×{image.Height} image takes {plan.MergedTokenCount} tokens, not {image.Tokens}.");
            if (image.FirstToken < previousEnd || image.FirstToken + (long)image.Tokens > originalPromptLength)
                throw new InvalidRequestException("images",
                    $"{at}: tokens [{image.FirstToken}, {image.FirstToken + image.Tokens}) must follow the previous image's and lie within the {originalPromptLength}-token prompt.");
            previousEnd = (int)(image.FirstToken + image.Tokens);
            var values = NavitPatchifier.Patchify(new RgbImage((int)image.Width, (int)image.Height, image.Rgb.ToByteArray()), plan);
            inputs.Add(new PromptImageInput((int)image.FirstToken, new ImageGrid(plan.GridRows, plan.GridColumns), values, image.ContentHash));
        }
        return inputs;
    }

    /// <summary>The padding and grid of an image already resized by the rule (applying the rule again could shrink it further).</summary>
    private static NavitResizePlan Plan(Proto.PromptImage image, string at)
    {
        try
        {
            return NavitResize.PadToGrid((int)image.Width, (int)image.Height);
        }
        catch (ArgumentException error)
        {
            throw new InvalidRequestException("images", $"{at}: {error.Message}");
        }
    }
}
