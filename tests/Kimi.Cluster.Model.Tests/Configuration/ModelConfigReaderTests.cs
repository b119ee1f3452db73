using System.Text.Json.Nodes;
using Kimi.Cluster.Model.Configuration;

namespace Kimi.Cluster.Model.Tests.Configuration;

public sealed class ModelConfigReaderTests
{
    // Kimi K2's published config.json (text fields only; the values that matter to the math).
    private const string KimiK2Json = """
    {
      "architectures": ["DeepseekV3ForCausalLM"], "model_type": "kimi_k2",
      "vocab_size": 163840, "hidden_size": 7168, "intermediate_size": 18432, "moe_intermediate_size": 2048,
      "num_hidden_layers": 61, "num_attention_heads": 64, "num_key_value_heads": 64,
      "n_routed_experts": 384, "num_experts_per_tok": 8, "n_shared_experts": 1,
      "first_k_dense_replace": 1, "moe_layer_freq": 1, "q_lora_rank": 1536, "kv_lora_rank": 512,
      "qk_nope_head_dim": 128, "qk_rope_head_dim": 64, "v_head_dim": 128, "rope_theta": 50000.0,
      "rope_scaling": {"beta_fast": 1.0, "beta_slow": 1.0, "factor": 32.0, "mscale": 1.0, "mscale_all_dim": 1.0,
                       "original_max_position_embeddings": 4096, "type": "yarn"},
      "routed_scaling_factor": 2.827, "rms_norm_eps": 1e-06, "max_position_embeddings": 131072,
      "n_group": 1, "topk_group": 1, "topk_method": "noaux_tc", "scoring_func": "sigmoid", "norm_topk_prob": true,
      "tie_word_embeddings": false, "bos_token_id": 163584, "eos_token_id": 163585, "torch_dtype": "bfloat16"
    }
    """;

    [Fact]
    public void Parse_KimiK2_ReadsEveryField()
    {
        var c = ModelConfigReader.Parse(KimiK2Json);
        Assert.Equal((163840, 7168, 18432, 2048, 61, 64), (c.VocabSize, c.HiddenSize, c.IntermediateSize, c.MoeIntermediateSize, c.NumHiddenLayers, c.NumAttentionHeads));
        Assert.Equal((384, 8, 1, 1, 1), (c.NRoutedExperts, c.NumExpertsPerTok, c.NSharedExperts, c.FirstKDenseReplace, c.MoeLayerFreq));
        Assert.Equal((1536, 512, 128, 64, 128), (c.QLoraRank, c.KvLoraRank, c.QkNopeHeadDim, c.QkRopeHeadDim, c.VHeadDim));
        Assert.Equal(new RopeScaling(32, 4096, 1, 1, 1, 1), c.RopeScaling);
        Assert.Equal((2.827, 1e-6, 131072, 1, 1), (c.RoutedScalingFactor, c.RmsNormEps, c.MaxPositionEmbeddings, c.NGroup, c.TopkGroup));
        Assert.Equal((TopkMethod.NoAuxTc, ScoringFunction.Sigmoid, true, false), (c.TopkMethod, c.ScoringFunc, c.NormTopkProb, c.TieWordEmbeddings));
        Assert.Equal(163584, c.BosTokenId);
        Assert.Equal([163585], c.EosTokenIds);
        Assert.Equal("", c.TensorPrefix);
        Assert.False(c.IsMoeLayer(0));
        Assert.True(c.IsMoeLayer(1));
    }

    [Fact]
    public void Parse_ReadsNestedTextConfigAndPrefixesTensors_WhenTheModelIsKimiK25()
    {
        var text = JsonNode.Parse(KimiK2Json)!.AsObject();
        var root = new JsonObject
        {
            ["model_type"] = "kimi_k25",
            ["text_config"] = text,
            ["vision_config"] = new JsonObject { ["hidden_size"] = 1152 },
        };
        var c = ModelConfigReader.Parse(root.ToJsonString());
        Assert.Equal("language_model.", c.TensorPrefix);
        Assert.Equal(384, c.NRoutedExperts);
    }

    [Fact]
    public void Parse_GivesKimiK2_WhenAKimiK25TextConfigHasNoModelType()
    {
        var text = JsonNode.Parse(KimiK2Json)!.AsObject();
        text.Remove("model_type");
        var root = new JsonObject { ["model_type"] = "kimi_k25", ["text_config"] = text };
        Assert.Equal("kimi_k2", ModelConfigReader.Parse(root.ToJsonString()).ModelType);
    }

    [Fact]
    public void Parse_ReadsGroupLimitedRoutingAndNullQLora_WhenTheModelIsDeepSeekV3()
    {
        var json = JsonNode.Parse(KimiK2Json)!.AsObject();
        json["model_type"] = "deepseek_v3";
        json["n_routed_experts"] = 256;
        json["n_group"] = 8;
        json["topk_group"] = 4;
        json["first_k_dense_replace"] = 3;
        json["q_lora_rank"] = null;
        json["eos_token_id"] = new JsonArray(1, 2);
        var c = ModelConfigReader.Parse(json.ToJsonString());
        Assert.Equal((256, 8, 4, 3), (c.NRoutedExperts, c.NGroup, c.TopkGroup, c.FirstKDenseReplace));
        Assert.Null(c.QLoraRank);
        Assert.Equal([1, 2], c.EosTokenIds);
        Assert.False(c.IsMoeLayer(2));
        Assert.True(c.IsMoeLayer(3));
    }

    [Theory]
    [InlineData("model_type", "\"llama\"", "model_type")]
    [InlineData("hidden_size", "\"big\"", "hidden_size")]
    [InlineData("hidden_size", "null", "hidden_size")]
    [InlineData("num_experts_per_tok", "400", "num_experts_per_tok")]
    [InlineData("n_group", "5", "n_group")]
    [InlineData("topk_group", "2", "topk_group")]
    [InlineData("scoring_func", "\"relu\"", "scoring_func")]
    [InlineData("topk_method", "\"random\"", "topk_method")]
    [InlineData("qk_rope_head_dim", "63", "qk_rope_head_dim")]
    [InlineData("first_k_dense_replace", "62", "first_k_dense_replace")]
    public void Parse_BadValue_NamesTheField(string field, string value, string expectedField)
    {
        var json = JsonNode.Parse(KimiK2Json)!.AsObject();
        json[field] = value == "null" ? null : JsonNode.Parse(value);
        var error = Assert.Throws<ModelConfigException>(() => ModelConfigReader.Parse(json.ToJsonString()));
        Assert.Equal(expectedField, error.Field);
        Assert.Contains(expectedField, error.Message);
    }

    [Fact]
    public void Parse_BadRopeScalingType_NamesTheNestedField()
    {
        var json = JsonNode.Parse(KimiK2Json)!.AsObject();
        json["rope_scaling"]!["type"] = "dynamic";
        var error = Assert.Throws<ModelConfigException>(() => ModelConfigReader.Parse(json.ToJsonString()));
        Assert.Equal("rope_scaling.type", error.Field);
    }

    [Fact]
    public void Parse_KimiK25WithoutTextConfig_Fails()
    {
        var error = Assert.Throws<ModelConfigException>(() => ModelConfigReader.Parse("""{"model_type":"kimi_k25"}"""));
        Assert.Equal("text_config", error.Field);
    }

    [Fact]
    public void SoftmaxScale_IncludesYarnMscaleSquared()
    {
        var c = ModelConfigReader.Parse(KimiK2Json);
        double mscale = 0.1 * 1.0 * Math.Log(32) + 1;
        Assert.Equal(1 / Math.Sqrt(192) * mscale * mscale, c.SoftmaxScale, 12);
    }
}
