using Kimi.Cluster.Model.Configuration;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Layers.Vision;

/// <summary>
/// Images packed one after another (NaViT style) for one encoder call: <see cref="PixelValues"/>
/// [Σ patches, 3·patch²] float32, each image's patches row-major over its grid and each patch in
/// (channel, y, x) order, as the preprocessing hands them over. The caller owns the tensor.
/// </summary>
public sealed record VisionBatch(Tensor PixelValues, IReadOnlyList<ImageGrid> Images)
{
    public int TotalPatches => Images.Sum(i => i.Patches);

    public int TotalMergedTokens => Images.Sum(i => i.MergedTokens);

    /// <summary>First row of image <paramref name="index"/> among the packed patches.</summary>
    public int PatchStart(int index) => Images.Take(index).Sum(i => i.Patches);

    /// <summary>First row of image <paramref name="index"/> among the encoder's output tokens.</summary>
    public int TokenStart(int index) => Images.Take(index).Sum(i => i.MergedTokens);

    /// <summary>Throws unless the pixel rows are exactly the images' patches, each of the config's width.</summary>
    public void Validate(VisionConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (Images.Count == 0)
            throw new ArgumentException("a vision batch needs at least one image", nameof(Images));
        foreach (var image in Images)
            image.Validate();
        if (PixelValues.dim() != 2 || PixelValues.shape[0] != TotalPatches || PixelValues.shape[1] != config.PatchInputs)
            throw new ArgumentException(
                $"pixel values [{string.Join(", ", PixelValues.shape)}] must be [{TotalPatches}, {config.PatchInputs}]: one row of 3·{config.PatchSize}² values per patch of the {Images.Count} image(s)",
                nameof(PixelValues));
    }
}
