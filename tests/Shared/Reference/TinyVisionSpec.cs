namespace Kimi.Cluster.Tests.Shared.Reference;

/// <summary>
/// A tiny Kimi K2.5 vision tower (MoonViT) and patch-merger projector, one property per
/// vision_config field (the vt_ names); the projector's output width is the text model's hidden size.
/// </summary>
public sealed record TinyVisionSpec
{
    public int HiddenSize { get; init; } = 48;
    public int NumHiddenLayers { get; init; } = 2;
    /// <summary>2 heads of 24: the 2D RoPE gives 6 frequencies to rows and 6 to columns.</summary>
    public int NumAttentionHeads { get; init; } = 2;
    public int IntermediateSize { get; init; } = 64;
    /// <summary>K2.5's own patch size, so pixel rows have the real 3·14·14 = 588 values.</summary>
    public int PatchSize { get; init; } = 14;
    public int InitPosEmbHeight { get; init; } = 8;
    public int InitPosEmbWidth { get; init; } = 8;
    public int InitPosEmbTime { get; init; } = 4;
    public double ProjectorLnEps { get; init; } = 1e-5;

    public int PatchInputs => 3 * PatchSize * PatchSize;
}
