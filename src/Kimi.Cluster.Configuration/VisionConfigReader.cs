using System.Text.Json.Nodes;

namespace Kimi.Cluster.Model.Configuration;

/// <summary>
/// Reads K2.5's top-level vision_config (vt_ fields). Settings this build cannot run (another
/// merge, projector, position embedding or activation, a merge kernel other than [2, 2], a head
/// width the 2D RoPE cannot split in four) fail here, naming the field and its value, before any
/// weight is read.
/// </summary>
internal static class VisionConfigReader
{
    private const string Path = "vision_config.";

    /// <summary>
    /// The vision config, or null when there is none or it is not MoonViT's layout (no
    /// vt_hidden_size): such a model is served as text only.
    /// </summary>
    public static VisionConfig? Read(JsonObject? c, int textHiddenSize)
    {
        if (c is null || c["vt_hidden_size"] is null)
            return null;
        Expect(c, "merge_type", "sd2_tpool");
        Expect(c, "mm_projector_type", "patchmerger");
        Expect(c, "pos_emb_type", "divided_fixed");
        // "gelu" is torch's exact erf form (nn.GELU()), which HF, vLLM and SGLang all build.
        Expect(c, "projector_hidden_act", "gelu");
        ExpectMergeKernel(c);
        var config = new VisionConfig
        {
            HiddenSize = c.Required<int>("vt_hidden_size", Path),
            NumHiddenLayers = c.Required<int>("vt_num_hidden_layers", Path),
            NumAttentionHeads = c.Required<int>("vt_num_attention_heads", Path),
            IntermediateSize = c.Required<int>("vt_intermediate_size", Path),
            PatchSize = c.Required<int>("patch_size", Path),
            InitPosEmbHeight = c.Required<int>("init_pos_emb_height", Path),
            InitPosEmbWidth = c.Required<int>("init_pos_emb_width", Path),
            InitPosEmbTime = c.Optional("init_pos_emb_time", Path, 4),
            MmHiddenSize = c.Required<int>("mm_hidden_size", Path),
            TextHiddenSize = c.Required<int>("text_hidden_size", Path),
            ProjectorLnEps = c.Optional("projector_ln_eps", Path, 1e-5),
        };
        Validate(config, textHiddenSize);
        return config;
    }

    private static void Validate(VisionConfig c, int textHiddenSize)
    {
        Positive(c.HiddenSize, "vt_hidden_size");
        Positive(c.NumHiddenLayers, "vt_num_hidden_layers");
        Positive(c.NumAttentionHeads, "vt_num_attention_heads");
        Positive(c.IntermediateSize, "vt_intermediate_size");
        Positive(c.PatchSize, "patch_size");
        Positive(c.InitPosEmbHeight, "init_pos_emb_height");
        Positive(c.InitPosEmbWidth, "init_pos_emb_width");
        Positive(c.InitPosEmbTime, "init_pos_emb_time");
        Check(c.HiddenSize % c.NumAttentionHeads == 0, "vt_num_attention_heads",
            $"{c.NumAttentionHeads} does not divide vt_hidden_size {c.HiddenSize}");
        Check(c.HeadDim % 4 == 0, "vt_num_attention_heads",
            $"head dim {c.HeadDim} (vt_hidden_size / heads) must be a multiple of 4: the 2D RoPE gives a quarter of it to rows and a quarter to columns");
        Check(c.MmHiddenSize == c.HiddenSize, "mm_hidden_size",
            $"{c.MmHiddenSize} must equal vt_hidden_size {c.HiddenSize} (the projector normalises each merged patch)");
        Check(c.TextHiddenSize == textHiddenSize, "text_hidden_size",
            $"{c.TextHiddenSize} must equal the text model's hidden_size {textHiddenSize}");
        Check(c.ProjectorLnEps > 0, "projector_ln_eps", $"must be positive, got {c.ProjectorLnEps}");
    }

    private static void Expect(JsonObject c, string field, string supported)
    {
        string value = c.Required<string>(field, Path);
        Check(value == supported, field, $"'{value}' is not supported (only {supported})");
    }

    private static void ExpectMergeKernel(JsonObject c)
    {
        var kernel = c["merge_kernel_size"] as JsonArray
            ?? throw new ModelConfigException(Path + "merge_kernel_size", "is required: an array [2, 2]");
        bool twoByTwo = kernel.Count == 2 && Enumerable.Range(0, 2).All(i => kernel.Required<int>(i, Path + "merge_kernel_size") == VisionConfig.MergeSide);
        Check(twoByTwo, "merge_kernel_size", $"{kernel.ToJsonString()} is not supported (only [2,2])");
    }

    private static void Positive(int value, string field) => Check(value > 0, field, $"must be positive, got {value}");

    private static void Check(bool ok, string field, string message)
    {
        if (!ok)
            throw new ModelConfigException(Path + field, message);
    }
}
