namespace Kimi.Cluster.Vision.Resizing;

/// <summary>
/// What <see cref="NavitResize.Plan"/> decided for one image: the size it is resized to, the zero
/// padding added at the right and bottom to reach whole merged tokens, and the resulting patch
/// grid and token count. Integers only, so the router can count tokens without touching pixels.
/// </summary>
/// <param name="ResizedWidth">Width after the BICUBIC resize (equal to the original when not scaled down).</param>
/// <param name="ResizedHeight">Height after the resize.</param>
/// <param name="PadRight">Zero columns added at the right.</param>
/// <param name="PadBottom">Zero rows added at the bottom.</param>
/// <param name="PatchSize">Side of a square patch in pixels (14 for MoonViT).</param>
/// <param name="GridRows">Patch rows: (ResizedHeight + PadBottom) / patch. Always a multiple of the merge kernel.</param>
/// <param name="GridColumns">Patch columns: (ResizedWidth + PadRight) / patch.</param>
/// <param name="MergedTokenCount">Language-model tokens the image becomes: (GridRows / merge) * (GridColumns / merge).</param>
public sealed record NavitResizePlan(
    int ResizedWidth,
    int ResizedHeight,
    int PadRight,
    int PadBottom,
    int PatchSize,
    int GridRows,
    int GridColumns,
    int MergedTokenCount)
{
    /// <summary>Width of the padded image that is cut into patches.</summary>
    public int PaddedWidth => ResizedWidth + PadRight;

    /// <summary>Height of the padded image.</summary>
    public int PaddedHeight => ResizedHeight + PadBottom;

    /// <summary>Patches before the merge: GridRows * GridColumns.</summary>
    public int PatchCount => GridRows * GridColumns;
}
