using Kimi.Cluster.Vision.Decoding;
using Kimi.Cluster.Vision.Resizing;

namespace Kimi.Cluster.Vision;

/// <summary>What an <see cref="ImagePreprocessor"/> accepts (decoding limits) and how it sizes images (the navit rule's parameters).</summary>
public sealed record ImagePreprocessorOptions
{
    /// <summary>Kimi K2.5's MoonViT with the default decoding limits.</summary>
    public static ImagePreprocessorOptions KimiK25 { get; } = new();

    public ImageDecodingLimits Limits { get; init; } = ImageDecodingLimits.Default;

    public NavitResizeOptions Resize { get; init; } = NavitResizeOptions.KimiK25;
}
