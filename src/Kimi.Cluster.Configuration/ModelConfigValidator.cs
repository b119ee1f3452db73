namespace Kimi.Cluster.Model.Configuration;

/// <summary>Checks that a config's values are in range and consistent with each other.</summary>
internal static class ModelConfigValidator
{
    public static void Validate(ModelConfig c, string path)
    {
        Positive(c.VocabSize, "vocab_size", path);
        Positive(c.HiddenSize, "hidden_size", path);
        Positive(c.NumHiddenLayers, "num_hidden_layers", path);
        Positive(c.NumAttentionHeads, "num_attention_heads", path);
        Positive(c.KvLoraRank, "kv_lora_rank", path);
        Positive(c.QkNopeHeadDim, "qk_nope_head_dim", path);
        Positive(c.QkRopeHeadDim, "qk_rope_head_dim", path);
        Positive(c.VHeadDim, "v_head_dim", path);
        Positive(c.MaxPositionEmbeddings, "max_position_embeddings", path);
        Positive(c.MoeLayerFreq, "moe_layer_freq", path);
        Check(c.QLoraRank is null or > 0, "q_lora_rank", path, "must be positive or null");
        Check(c.QkRopeHeadDim % 2 == 0, "qk_rope_head_dim", path, "must be even (rotary pairs)");
        Check(c.RmsNormEps > 0, "rms_norm_eps", path, "must be positive");
        Check(c.RopeTheta > 0, "rope_theta", path, "must be positive");
        Check(c.FirstKDenseReplace >= 0 && c.FirstKDenseReplace <= c.NumHiddenLayers,
            "first_k_dense_replace", path, $"must be in 0..num_hidden_layers ({c.NumHiddenLayers})");
        bool anyDense = Enumerable.Range(0, c.NumHiddenLayers).Any(l => !c.IsMoeLayer(l));
        if (anyDense)
            Positive(c.IntermediateSize, "intermediate_size", path);
        if (c.RopeScaling is { } yarn)
        {
            Check(yarn.Factor >= 1, "rope_scaling.factor", path, "must be >= 1");
            Check(yarn.OriginalMaxPositionEmbeddings > 0, "rope_scaling.original_max_position_embeddings", path, "must be positive");
        }
        if (c.NRoutedExperts > 0)
            ValidateMoe(c, path);
    }

    private static void ValidateMoe(ModelConfig c, string path)
    {
        Positive(c.MoeIntermediateSize, "moe_intermediate_size", path);
        Check(c.NumExpertsPerTok > 0 && c.NumExpertsPerTok <= c.NRoutedExperts,
            "num_experts_per_tok", path, $"must be in 1..n_routed_experts ({c.NRoutedExperts})");
        Check(c.NSharedExperts >= 0, "n_shared_experts", path, "must not be negative");
        Positive(c.NGroup, "n_group", path);
        Check(c.NRoutedExperts % c.NGroup == 0, "n_group", path,
            $"must divide n_routed_experts ({c.NRoutedExperts})");
        Check(c.TopkGroup > 0 && c.TopkGroup <= c.NGroup, "topk_group", path, $"must be in 1..n_group ({c.NGroup})");
        int reachable = c.NGroup == 1 || c.TopkMethod == TopkMethod.Greedy
            ? c.NRoutedExperts : c.NRoutedExperts / c.NGroup * c.TopkGroup;
        Check(c.NumExpertsPerTok <= reachable, "num_experts_per_tok", path,
            $"must not exceed the experts in the kept groups ({reachable})");
        Check(c.TopkMethod != TopkMethod.NoAuxTc || c.NGroup == 1 || c.NRoutedExperts / c.NGroup >= 2,
            "n_group", path, "noaux_tc ranks groups by their top-2 experts, so each group needs at least 2");
    }

    private static void Positive(int value, string field, string path) =>
        Check(value > 0, field, path, $"must be positive, got {value}");

    private static void Check(bool ok, string field, string path, string message)
    {
        if (!ok)
            throw new ModelConfigException(path + field, message);
    }
}
