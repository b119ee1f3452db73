using System.Text.Json.Nodes;

namespace Kimi.Cluster.Model.Configuration;

/// <summary>
/// Reads Hugging Face config.json for DeepSeek-V3 (deepseek_v3), Kimi K2 (kimi_k2) and
/// Kimi K2.5 (kimi_k25, the text model nested under text_config, tensors prefixed
/// "language_model.", and its vision encoder's vision_config). Errors name the field.
/// </summary>
public static class ModelConfigReader
{
    private static readonly string[] TextModelTypes = ["kimi_k2", "deepseek_v3"];

    public static ModelConfig ReadFile(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"config.json not found at {path}", path);
        return Parse(File.ReadAllText(path));
    }

    public static ModelConfig Parse(string json)
    {
        JsonObject root = JsonNode.Parse(json) as JsonObject
            ?? throw new ModelConfigException("(root)", "expected a JSON object");
        string modelType = root.Required<string>("model_type", "");
        if (modelType == "kimi_k25")
        {
            var text = root["text_config"] as JsonObject
                ?? throw new ModelConfigException("text_config", "kimi_k25 needs a text_config object");
            // K2.5's text model is K2's; older exports leave text_config.model_type out.
            text["model_type"] ??= "kimi_k2";
            // Moonshot's K2.5 keeps quantization_config inside text_config; accept it at the top too.
            var quantization = text["quantization_config"] is JsonObject nested
                ? QuantizationConfigReader.Read(nested, "text_config.")
                : QuantizationConfigReader.Read(root["quantization_config"] as JsonObject, "");
            var config = ParseText(text, "text_config.");
            return config with
            {
                TensorPrefix = "language_model.",
                Quantization = quantization,
                Vision = VisionConfigReader.Read(root["vision_config"] as JsonObject, config.HiddenSize),
            };
        }
        return ParseText(root, "") with { Quantization = QuantizationConfigReader.Read(root["quantization_config"] as JsonObject, "") };
    }

    private static ModelConfig ParseText(JsonObject c, string path)
    {
        string modelType = c.Required<string>("model_type", path);
        if (!TextModelTypes.Contains(modelType))
            throw new ModelConfigException(path + "model_type",
                $"'{modelType}' is not supported (expected kimi_k25, {string.Join(", ", TextModelTypes)})");
        var config = new ModelConfig
        {
            ModelType = modelType,
            VocabSize = c.Required<int>("vocab_size", path),
            HiddenSize = c.Required<int>("hidden_size", path),
            IntermediateSize = c.Required<int>("intermediate_size", path),
            MoeIntermediateSize = c.Required<int>("moe_intermediate_size", path),
            NumHiddenLayers = c.Required<int>("num_hidden_layers", path),
            NumAttentionHeads = c.Required<int>("num_attention_heads", path),
            NRoutedExperts = c.Optional("n_routed_experts", path, 0),
            NumExpertsPerTok = c.Optional("num_experts_per_tok", path, 0),
            NSharedExperts = c.Optional("n_shared_experts", path, 0),
            FirstKDenseReplace = c.Optional("first_k_dense_replace", path, 0),
            MoeLayerFreq = c.Optional("moe_layer_freq", path, 1),
            QLoraRank = c.OptionalNullable<int>("q_lora_rank", path),
            KvLoraRank = c.Required<int>("kv_lora_rank", path),
            QkNopeHeadDim = c.Required<int>("qk_nope_head_dim", path),
            QkRopeHeadDim = c.Required<int>("qk_rope_head_dim", path),
            VHeadDim = c.Required<int>("v_head_dim", path),
            RopeTheta = c.Optional("rope_theta", path, 10000.0),
            RopeScaling = ReadRopeScaling(c, path),
            RoutedScalingFactor = c.Optional("routed_scaling_factor", path, 1.0),
            RmsNormEps = c.Optional("rms_norm_eps", path, 1e-6),
            MaxPositionEmbeddings = c.Required<int>("max_position_embeddings", path),
            NGroup = c.OptionalNullable<int>("n_group", path) ?? 1,
            TopkGroup = c.OptionalNullable<int>("topk_group", path) ?? 1,
            TopkMethod = ReadTopkMethod(c, path),
            ScoringFunc = ReadScoringFunction(c, path),
            NormTopkProb = c.Optional("norm_topk_prob", path, true),
            TieWordEmbeddings = c.Optional("tie_word_embeddings", path, false),
            BosTokenId = c.OptionalNullable<int>("bos_token_id", path),
            EosTokenIds = ReadTokenIds(c, "eos_token_id", path),
        };
        ModelConfigValidator.Validate(config, path);
        return config;
    }

    private static RopeScaling? ReadRopeScaling(JsonObject c, string path)
    {
        if (c["rope_scaling"] is not JsonObject s)
            return c["rope_scaling"] is null ? null
                : throw new ModelConfigException(path + "rope_scaling", "expected an object or null");
        string p = path + "rope_scaling.";
        string type = s["type"] is null ? s.Required<string>("rope_type", p) : s.Required<string>("type", p);
        if (type != "yarn")
            throw new ModelConfigException(p + "type", $"'{type}' is not supported (only yarn)");
        return new RopeScaling(
            Factor: s.Required<double>("factor", p),
            OriginalMaxPositionEmbeddings: s.Required<int>("original_max_position_embeddings", p),
            BetaFast: s.Optional("beta_fast", p, 32.0),
            BetaSlow: s.Optional("beta_slow", p, 1.0),
            Mscale: s.Optional("mscale", p, 1.0),
            MscaleAllDim: s.Optional("mscale_all_dim", p, 0.0));
    }

    private static TopkMethod ReadTopkMethod(JsonObject c, string path) =>
        c.Optional("topk_method", path, "noaux_tc") switch
        {
            "noaux_tc" => TopkMethod.NoAuxTc,
            "greedy" => TopkMethod.Greedy,
            "group_limited_greedy" => TopkMethod.GroupLimitedGreedy,
            var other => throw new ModelConfigException(path + "topk_method",
                $"'{other}' is not supported (expected noaux_tc, greedy or group_limited_greedy)"),
        };

    private static ScoringFunction ReadScoringFunction(JsonObject c, string path) =>
        c.Optional("scoring_func", path, "sigmoid") switch
        {
            "sigmoid" => ScoringFunction.Sigmoid,
            "softmax" => ScoringFunction.Softmax,
            var other => throw new ModelConfigException(path + "scoring_func",
                $"'{other}' is not supported (expected sigmoid or softmax)"),
        };

    private static IReadOnlyList<int> ReadTokenIds(JsonObject c, string name, string path) => c[name] switch
    {
        null => [],
        JsonArray array => array.Select((_, i) => array.Required<int>(i, path + name)).ToArray(),
        _ => [c.Required<int>(name, path)],
    };
}
