using Kimi.Cluster.Model.Configuration;

namespace Kimi.Cluster.Model.Layers.Vision;

/// <summary>
/// One image's size in patches: <see cref="Rows"/> × <see cref="Columns"/> patches of
/// patch_size² pixels, both even (2×2 patches merge into one token) and at most 512.
/// </summary>
public readonly record struct ImageGrid(int Rows, int Columns)
{
    public int Patches => Rows * Columns;

    /// <summary>Tokens the image becomes after the 2×2 merge, row-major over (Rows/2, Columns/2).</summary>
    public int MergedTokens => Patches / (VisionConfig.MergeSide * VisionConfig.MergeSide);

    /// <summary>Throws unless both sides are positive, even and within the rotary table.</summary>
    public void Validate()
    {
        if (Rows <= 0 || Columns <= 0 || Rows % VisionConfig.MergeSide != 0 || Columns % VisionConfig.MergeSide != 0
            || Rows > VisionConfig.MaxGridSide || Columns > VisionConfig.MaxGridSide)
            throw new ArgumentOutOfRangeException(nameof(Rows), $"image grid {Rows}×{Columns}: both sides must be even and in 2..{VisionConfig.MaxGridSide} patches");
    }
}
