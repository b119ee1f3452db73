using Kimi.Cluster.Vision.Resizing;
using Kimi.Cluster.Vision.Pixels;

namespace Kimi.Cluster.Vision;

/// <summary>
/// One image as the vision encoder takes it: HF's <c>pixel_values</c> for the image and its
/// <c>grid_thw</c> (here rows and columns; t is always 1 for an image), the number of
/// placeholder tokens it occupies in the prompt, and a content hash for the prefix cache.
/// </summary>
/// <param name="PixelValues">[GridRows * GridColumns, 3, patch, patch] floats, row-major over the grid (see <see cref="NavitPatchifier"/>).</param>
/// <param name="Plan">The navit resize decision: resized size, padding, grid and token count.</param>
/// <param name="ContentHash">SHA-256 of the resized pixels and grid (see <see cref="ImageContentHash"/>).</param>
public sealed record PreprocessedImage(float[] PixelValues, NavitResizePlan Plan, ImageContentHash ContentHash)
{
    /// <summary>Patch rows (HF grid_thw[1]).</summary>
    public int GridRows => Plan.GridRows;

    /// <summary>Patch columns (HF grid_thw[2]).</summary>
    public int GridColumns => Plan.GridColumns;

    /// <summary>Language-model tokens after the 2x2 patch merge: the image's placeholder count.</summary>
    public int MergedTokenCount => Plan.MergedTokenCount;
}
