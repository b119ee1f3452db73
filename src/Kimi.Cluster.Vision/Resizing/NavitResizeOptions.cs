namespace Kimi.Cluster.Vision.Resizing;

/// <summary>
/// The parameters of Moonshot's <c>navit_resize_image</c> (Kimi K2.5's media_utils), with its
/// defaults: 14-pixel patches merged 2x2 into one token, at most 16384 patches before the merge,
/// and at most 512 patches along either side.
/// </summary>
public sealed record NavitResizeOptions
{
    /// <summary>Kimi K2.5's MoonViT settings.</summary>
    public static NavitResizeOptions KimiK25 { get; } = new();

    /// <summary>Side of a square patch in pixels.</summary>
    public int PatchSize { get; init; } = 14;

    /// <summary>Patches merged along each axis into one language-model token (2 means 2x2 patches per token).</summary>
    public int MergeKernelSize { get; init; } = 2;

    /// <summary>The patch budget the scale aims at (before padding and the merge).</summary>
    public int InPatchLimit { get; init; } = 16384;

    /// <summary>The most patches along one side, which also caps a side at <c>PatchSize * this</c> pixels.</summary>
    public int PatchLimitOnOneSide { get; init; } = 512;
}
