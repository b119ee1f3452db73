namespace Kimi.Cluster.Vision.Resizing;

/// <summary>
/// Moonshot's navit resize rule (K2.5 media_utils <c>navit_resize_image</c>), computed as the
/// Python does it: in double, with floor division inside the patch-count scale and int()
/// truncation of the scaled sides. Any other rounding changes some images' token counts, and
/// then the placeholder count disagrees with the encoder's output.
/// </summary>
public static class NavitResize
{
    public static NavitResizePlan Plan(int width, int height, NavitResizeOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        options ??= NavitResizeOptions.KimiK25;
        double scale = Scale(width, height, options);
        int maxSide = options.PatchSize * options.PatchLimitOnOneSide;
        int resizedWidth = Math.Min(Math.Max(1, (int)(width * scale)), maxSide);
        int resizedHeight = Math.Min(Math.Max(1, (int)(height * scale)), maxSide);
        return PadToGrid(resizedWidth, resizedHeight, options);
    }

    /// <summary>
    /// The padding, grid and token count of an image that <see cref="Plan"/> already sized (one a
    /// router resized and sent on). Use this, not <see cref="Plan"/>, on a resized size: the rule
    /// is not idempotent, and planning a resized size again shrinks about one large image in
    /// thirteen a little further (1034x4180 resizes to 897x3627, whose own plan is 891x3605).
    /// </summary>
    public static NavitResizePlan PadToGrid(int resizedWidth, int resizedHeight, NavitResizeOptions? options = null)
    {
        options ??= NavitResizeOptions.KimiK25;
        int maxSide = options.PatchSize * options.PatchLimitOnOneSide;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(resizedWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(resizedHeight);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(resizedWidth, maxSide);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(resizedHeight, maxSide);
        int factor = options.PatchSize * options.MergeKernelSize;
        int padRight = (factor - resizedWidth % factor) % factor;
        int padBottom = (factor - resizedHeight % factor) % factor;
        int gridRows = (resizedHeight + padBottom) / options.PatchSize;
        int gridColumns = (resizedWidth + padRight) / options.PatchSize;
        int tokens = gridRows / options.MergeKernelSize * (gridColumns / options.MergeKernelSize);
        return new NavitResizePlan(resizedWidth, resizedHeight, padRight, padBottom, options.PatchSize, gridRows, gridColumns, tokens);
    }

    /// <summary>
    /// <c>min(1, s1, s2, s3)</c>: s1 brings the patch count near the budget (Python's
    /// <c>W // patch</c>, at least 1), s2 and s3 bring each side under its limit. Never above 1:
    /// small images are padded, not upscaled.
    /// </summary>
    private static double Scale(int width, int height, NavitResizeOptions options)
    {
        double patchesAcross = Math.Max(1.0, width / options.PatchSize);
        double patchesDown = Math.Max(1.0, height / options.PatchSize);
        double budgetScale = Math.Sqrt(options.InPatchLimit / (patchesAcross * patchesDown));
        double sideLimit = options.PatchLimitOnOneSide * options.PatchSize;
        double widthScale = sideLimit / width;
        double heightScale = sideLimit / height;
        return Math.Min(Math.Min(1.0, budgetScale), Math.Min(widthScale, heightScale));
    }
}
