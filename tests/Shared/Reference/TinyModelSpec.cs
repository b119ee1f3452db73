namespace Kimi.Cluster.Tests.Shared.Reference;

/// <summary>
/// Hyper-parameters of a tiny random checkpoint, one property per Hugging Face config.json
/// field. Tests start from a preset and vary fields with <c>with { ... }</c>.
/// </summary>
public sealed record TinyModelSpec
{
    public string ModelType { get; init; } = "kimi_k2";
    public int VocabSize { get; init; } = 256;
    public int HiddenSize { get; init; } = 64;
    public int IntermediateSize { get; init; } = 96;
    public int MoeIntermediateSize { get; init; } = 32;
    public int NumHiddenLayers { get; init; } = 3;
    public int NumAttentionHeads { get; init; } = 4;
    public int NRoutedExperts { get; init; } = 24;
    public int NumExpertsPerTok { get; init; } = 4;
    public int NSharedExperts { get; init; } = 1;
    public int FirstKDenseReplace { get; init; } = 1;
    public int MoeLayerFreq { get; init; } = 1;
    /// <summary>Null: one q_proj replaces q_a_proj / q_a_layernorm / q_b_proj.</summary>
    public int? QLoraRank { get; init; } = 48;
    public int KvLoraRank { get; init; } = 32;
    public int QkNopeHeadDim { get; init; } = 16;
    public int QkRopeHeadDim { get; init; } = 8;
    public int VHeadDim { get; init; } = 16;
    public double RopeTheta { get; init; } = 50000;
    /// <summary>Null: plain RoPE (config.json gets "rope_scaling": null).</summary>
    public YarnScaling? RopeScaling { get; init; } = new();
    public double RoutedScalingFactor { get; init; } = 2.827;
    public double RmsNormEps { get; init; } = 1e-5;
    public int MaxPositionEmbeddings { get; init; } = 512;
    public int NGroup { get; init; } = 1;
    public int TopkGroup { get; init; } = 1;
    public string TopkMethod { get; init; } = "noaux_tc";
    /// <summary>"sigmoid" (DeepSeek-V3, Kimi K2) or "softmax".</summary>
    public string ScoringFunc { get; init; } = "sigmoid";
    public bool NormTopkProb { get; init; } = true;
    public int BosTokenId { get; init; } = 1;
    public int EosTokenId { get; init; } = 2;
    /// <summary>
    /// Kimi K2.5 multimodal layout: config.json nests the text fields under "text_config",
    /// text tensors get the "language_model." prefix, and dummy vision tensors are added
    /// (a real vision tower and projector instead when <see cref="Vision"/> is set).
    /// </summary>
    public bool NestedK25 { get; init; }

    /// <summary>
    /// With <see cref="NestedK25"/>: a tiny vision tower and projector in K2.5's names and layout
    /// (bf16, never quantized) and the matching vision_config. Null: the small stand-ins only.
    /// </summary>
    public TinyVisionSpec? Vision { get; init; }

    public int QkHeadDim => QkNopeHeadDim + QkRopeHeadDim;

    /// <summary>Prefix of every stored text tensor name.</summary>
    public string TensorPrefix => NestedK25 ? "language_model." : "";

    /// <summary>HF rule: routed experts from first_k_dense_replace on, every moe_layer_freq-th layer.</summary>
    public bool IsMoeLayer(int layer) =>
        NRoutedExperts > 0 && layer >= FirstKDenseReplace && layer % MoeLayerFreq == 0;

    /// <summary>Kimi K2 shape in miniature: many experts, top-4 (K2: 384 experts, top-8), one group.</summary>
    public static TinyModelSpec KimiK2Style { get; } = new();

    /// <summary>
    /// DeepSeek-V3 shape in miniature: 16 experts in 8 groups of 2, 4 groups kept, so group
    /// masking really removes candidates.
    /// </summary>
    public static TinyModelSpec DeepSeekV3Style { get; } = new()
    {
        ModelType = "deepseek_v3",
        NumHiddenLayers = 4,
        NRoutedExperts = 16,
        NumExpertsPerTok = 4,
        NGroup = 8,
        TopkGroup = 4,
        FirstKDenseReplace = 2,
        RoutedScalingFactor = 2.5,
        RmsNormEps = 1e-6,
        RopeTheta = 10000,
    };

    /// <summary>Kimi K2.5: the K2 text model inside the multimodal wrapper.</summary>
    public static TinyModelSpec KimiK25Nested { get; } = new() { NestedK25 = true };

    /// <summary>Kimi K2.5 with a tiny vision tower and projector (<see cref="TinyVisionSpec"/>'s defaults).</summary>
    public static TinyModelSpec KimiK25WithVision { get; } = new() { NestedK25 = true, Vision = new() };
}
