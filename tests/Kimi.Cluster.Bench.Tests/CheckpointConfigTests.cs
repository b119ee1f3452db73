using System.Text.Json.Nodes;
using Kimi.Cluster.Bench.Tests.Support;

namespace Kimi.Cluster.Bench.Tests;

/// <summary>config.json reads as Kimi K2's, with the sizes given and the quantization_config of the format.</summary>
public sealed class CheckpointConfigTests
{
    [Theory]
    [InlineData("bf16")]
    [InlineData("int4")]
    [InlineData("fp8")]
    public async Task Config_IsKimiK2_WithTheGivenSizes(string format)
    {
        using var temp = new TempDirectory();
        await CheckpointRun.WriteAsync(temp.Path, TinyModel.Args(temp.Path, format));
        var config = (JsonObject)JsonNode.Parse(await File.ReadAllTextAsync(temp["config.json"]))!;

        Assert.Equal("kimi_k2", (string?)config["model_type"]);
        Assert.Equal("DeepseekV3ForCausalLM", (string?)config["architectures"]![0]);
        var expected = new Dictionary<string, double>
        {
            ["vocab_size"] = 128, ["hidden_size"] = 64, ["intermediate_size"] = 64, ["moe_intermediate_size"] = 32,
            ["num_hidden_layers"] = 2, ["num_attention_heads"] = 2, ["num_key_value_heads"] = 2, ["n_routed_experts"] = 8,
            ["num_experts_per_tok"] = 2, ["n_shared_experts"] = 1, ["first_k_dense_replace"] = 1, ["moe_layer_freq"] = 1,
            ["q_lora_rank"] = 32, ["kv_lora_rank"] = 32, ["qk_nope_head_dim"] = 16, ["qk_rope_head_dim"] = 8, ["v_head_dim"] = 16,
            ["rope_theta"] = 50000, ["routed_scaling_factor"] = 2.827, ["rms_norm_eps"] = 1e-5, ["max_position_embeddings"] = 4096,
            ["n_group"] = 1, ["topk_group"] = 1, ["bos_token_id"] = 0, ["eos_token_id"] = 1,
        };
        foreach (var (field, value) in expected)
            Assert.True(config[field] is not null && (double)config[field]! == value, $"{field}: {config[field]?.ToJsonString() ?? "missing"}, expected {value}");
        Assert.True(config.ContainsKey("rope_scaling") && config["rope_scaling"] is null);
        Assert.Equal("noaux_tc", (string?)config["topk_method"]);
        Assert.Equal("sigmoid", (string?)config["scoring_func"]);
        Assert.True((bool)config["norm_topk_prob"]!);
        Assert.False((bool)config["tie_word_embeddings"]!);
        AssertQuantization(format, config["quantization_config"] as JsonObject);
    }

    [Fact]
    public async Task Config_HasANullQLoraRank_WhenItIsZero()
    {
        using var temp = new TempDirectory();
        await CheckpointRun.WriteAsync(temp.Path, TinyModel.Args(temp.Path, "bf16", qLora: 0));
        var config = (JsonObject)JsonNode.Parse(await File.ReadAllTextAsync(temp["config.json"]))!;

        Assert.True(config.ContainsKey("q_lora_rank") && config["q_lora_rank"] is null);
    }

    private static void AssertQuantization(string format, JsonObject? quantization)
    {
        switch (format)
        {
            case "bf16":
                Assert.Null(quantization);
                break;
            case "int4":
                Assert.NotNull(quantization);
                Assert.Equal("compressed-tensors", (string?)quantization["quant_method"]);
                Assert.Equal("pack-quantized", (string?)quantization["format"]);
                Assert.Equal("compressed", (string?)quantization["quantization_status"]);
                var weights = quantization["config_groups"]!["group_0"]!["weights"]!;
                Assert.Equal(4, (int)weights["num_bits"]!);
                Assert.Equal(TinyModel.GroupSize, (int)weights["group_size"]!);
                Assert.Equal("group", (string?)weights["strategy"]);
                Assert.True((bool)weights["symmetric"]!);
                Assert.Equal("int", (string?)weights["type"]);
                Assert.Equal(["lm_head", "re:.*self_attn.*", "re:.*shared_experts.*", @"re:.*mlp\.(gate|up|gate_up|down)_proj.*"],
                    quantization["ignore"]!.AsArray().Select(n => (string)n!));
                break;
            case "fp8":
                Assert.NotNull(quantization);
                Assert.Equal("fp8", (string?)quantization["quant_method"]);
                Assert.Equal("e4m3", (string?)quantization["fmt"]);
                Assert.Equal("dynamic", (string?)quantization["activation_scheme"]);
                Assert.Equal([128, 128], quantization["weight_block_size"]!.AsArray().Select(n => (int)n!));
                break;
        }
    }
}
