using Kimi.Cluster.Model.Configuration;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Layers.Vision;

/// <summary>
/// The 2×2 merge (merge_type "sd2_tpool" for images): each image's patch grid [h, w, hidden]
/// becomes [(h/2)·(w/2), 4·hidden], tokens row-major over the halved grid, each token's four
/// patches side by side in the order top-left, top-right, bottom-left, bottom-right.
/// </summary>
public static class PatchMerger
{
    /// <summary>x: [Σ patches, hidden] → [Σ merged tokens, 4·hidden], images in the same order.</summary>
    public static Tensor Merge(Tensor x, IReadOnlyList<ImageGrid> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        using var scope = NewDisposeScope();
        const int side = VisionConfig.MergeSide;
        long hidden = x.shape[1], start = 0;
        var merged = new Tensor[images.Count];
        for (int i = 0; i < images.Count; i++)
        {
            var image = images[i];
            merged[i] = x.narrow(0, start, image.Patches)
                .view(image.Rows / side, side, image.Columns / side, side, hidden) // [h/2, kh, w/2, kw, hidden]
                .permute(0, 2, 1, 3, 4)                                          // [h/2, w/2, kh, kw, hidden]
                .reshape(image.MergedTokens, side * side * hidden);
            start += image.Patches;
        }
        return (merged.Length == 1 ? merged[0] : cat(merged, 0)).MoveToOuterDisposeScope();
    }
}
