namespace Kimi.Cluster.Model.Configuration;

/// <summary>
/// Kimi K2.5's vision encoder (MoonViT: patch embedding, learned 2D position grid, 2D RoPE,
/// pre-norm blocks), its 2×2 patch merger and its "patchmerger" projector into the text model's
/// hidden size, as config.json's vision_config names them (the vt_ prefix). Only the values this
/// build runs are accepted (see <see cref="VisionConfigReader"/>).
/// </summary>
public sealed record VisionConfig
{
    /// <summary>Every implementation hardcodes the rotary base and the 512×512 patch grid it covers; config.json has neither.</summary>
    public const double RopeTheta = 10000;

    /// <summary>Largest grid side, in patches, the rotary table covers.</summary>
    public const int MaxGridSide = 512;

    /// <summary>The tower's LayerNorms use torch's default eps; only the projector's is in config.json.</summary>
    public const double LayerNormEps = 1e-5;

    /// <summary>Patches merged into one token along each side (merge_kernel_size [2, 2]).</summary>
    public const int MergeSide = 2;

    public int HiddenSize { get; init; }
    public int NumHiddenLayers { get; init; }
    public int NumAttentionHeads { get; init; }
    public int IntermediateSize { get; init; }
    /// <summary>Side of one square patch in pixels.</summary>
    public int PatchSize { get; init; }
    /// <summary>Rows of the learned position grid as stored (resampled to each image's grid).</summary>
    public int InitPosEmbHeight { get; init; }
    public int InitPosEmbWidth { get; init; }
    /// <summary>Frames of the sin-cos time term (video only).</summary>
    public int InitPosEmbTime { get; init; }
    /// <summary>Width of the projector's per-patch LayerNorm (mm_hidden_size; equals <see cref="HiddenSize"/>).</summary>
    public int MmHiddenSize { get; init; }
    /// <summary>The projector's output: the text model's hidden size.</summary>
    public int TextHiddenSize { get; init; }
    public double ProjectorLnEps { get; init; } = 1e-5;

    public int HeadDim => HiddenSize / NumAttentionHeads;

    /// <summary>Inputs of one patch: 3 channels of PatchSize² pixels, in (channel, y, x) order.</summary>
    public int PatchInputs => 3 * PatchSize * PatchSize;

    /// <summary>Width of one merged token before the projector: the 2×2 patches side by side.</summary>
    public int MergedWidth => MergeSide * MergeSide * HiddenSize;

    /// <summary>Kimi K2.5's vision tower and projector at full size.</summary>
    public static VisionConfig K25 { get; } = new()
    {
        HiddenSize = 1152,
        NumHiddenLayers = 27,
        NumAttentionHeads = 16,
        IntermediateSize = 4304,
        PatchSize = 14,
        InitPosEmbHeight = 64,
        InitPosEmbWidth = 64,
        InitPosEmbTime = 4,
        MmHiddenSize = 1152,
        TextHiddenSize = 7168,
        ProjectorLnEps = 1e-5,
    };
}
