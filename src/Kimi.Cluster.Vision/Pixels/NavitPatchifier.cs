using Kimi.Cluster.Vision.Decoding;
using Kimi.Cluster.Vision.Resizing;

namespace Kimi.Cluster.Vision.Pixels;

/// <summary>
/// The resized image to MoonViT's <c>pixel_values</c>: zero-padded at the right and bottom to the
/// plan's grid, normalised, and cut into patches in one pass, as HF's <c>np.pad</c>,
/// <c>normalize</c> and <c>navit_patchify</c> do in three. Patches follow the grid row-major;
/// each is channel-major (C, H, W), 3 x patch x patch floats, so patch (r, c), channel ch,
/// pixel (py, px) is at <c>((r * columns + c) * 3 + ch) * patch² + py * patch + px</c>.
/// </summary>
public static class NavitPatchifier
{
    private const int Channels = RgbImage.Channels;

    public static float[] Patchify(RgbImage resized, NavitResizePlan plan)
    {
        ArgumentNullException.ThrowIfNull(resized);
        ArgumentNullException.ThrowIfNull(plan);
        if (resized.Width != plan.ResizedWidth || resized.Height != plan.ResizedHeight)
            throw new ArgumentException($"the image is {resized.Width}x{resized.Height} but the plan resizes to {plan.ResizedWidth}x{plan.ResizedHeight}", nameof(resized));
        int patchSize = plan.PatchSize;
        int patchFloats = Channels * patchSize * patchSize;
        var values = GC.AllocateUninitializedArray<float>(checked(plan.PatchCount * patchFloats));
        Parallel.For(0, plan.GridRows, row =>
        {
            for (int column = 0; column < plan.GridColumns; column++)
            {
                var patch = values.AsSpan((row * plan.GridColumns + column) * patchFloats, patchFloats);
                WritePatch(resized, row * patchSize, column * patchSize, patchSize, patch);
            }
        });
        return values;
    }

    /// <summary>One patch whose top-left pixel is (left, top); pixels past the image are padding (byte 0).</summary>
    private static void WritePatch(RgbImage image, int top, int left, int patchSize, Span<float> patch)
    {
        var table = PixelNormalization.Table;
        int plane = patchSize * patchSize;
        for (int py = 0; py < patchSize; py++)
        {
            int y = top + py;
            for (int px = 0; px < patchSize; px++)
            {
                int x = left + px;
                bool inside = y < image.Height && x < image.Width;
                int source = (y * image.Width + x) * Channels;
                for (int channel = 0; channel < Channels; channel++)
                {
                    byte value = inside ? image.Pixels[source + channel] : (byte)0;
                    patch[channel * plane + py * patchSize + px] = table[value];
                }
            }
        }
    }
}
