using System.Text.Json.Nodes;

namespace Kimi.Cluster.Tests.Shared.Reference;

/// <summary>The "quantization_config" the writer puts in config.json, compared with the released checkpoints' text.</summary>
public sealed class QuantizationConfigSelfTests
{
    // As in Moonshot's Kimi K2-Thinking config.json, with the group size left open.
    private const string Int4Config = """
        {"config_groups": {"group_0": {"input_activations": null, "output_activations": null, "targets": ["Linear"],
          "weights": {"actorder": null, "block_structure": null, "dynamic": false, "group_size": GROUP, "num_bits": 4,
            "observer": "minmax", "observer_kwargs": {}, "strategy": "group", "symmetric": true, "type": "int"}}},
         "format": "pack-quantized",
         "ignore": ["lm_head", "re:.*self_attn.*", "re:.*shared_experts.*", "re:.*mlp\\.(gate|up|gate_up|down)_proj.*"],
         "kv_cache_scheme": null, "quant_method": "compressed-tensors", "quantization_status": "compressed"}
        """;

    // As in DeepSeek-V3's and Kimi K2-Instruct's config.json.
    private const string Fp8Config = """
        {"activation_scheme": "dynamic", "fmt": "e4m3", "quant_method": "fp8", "weight_block_size": [128, 128]}
        """;

    [Theory]
    [InlineData("kimi_k2", 32)]
    [InlineData("deepseek_v3", 64)]
    [InlineData("kimi_k2", 128)]
    public void Int4Config_IsAtTheTopLevel(string modelType, int groupSize)
    {
        var config = Config(TinyModelSpec.KimiK2Style with { ModelType = modelType }, CheckpointQuantization.Int4Group(groupSize));
        AssertJson(Int4Config.Replace("GROUP", $"{groupSize}", StringComparison.Ordinal), config["quantization_config"]);
        Assert.Equal(modelType, (string?)config["model_type"]);
    }

    [Fact]
    public void Fp8Config_IsAtTheTopLevel()
    {
        var config = Config(TinyModelSpec.DeepSeekV3Style, CheckpointQuantization.Fp8Block);
        AssertJson(Fp8Config, config["quantization_config"]);
    }

    [Fact]
    public void K25_NestsTheQuantizationConfigInTextConfig()
    {
        var int4 = Config(TinyModelSpec.KimiK25Nested, CheckpointQuantization.Int4Group(32));
        Assert.False(int4.ContainsKey("quantization_config"));
        AssertJson(Int4Config.Replace("GROUP", "32", StringComparison.Ordinal), int4["text_config"]!["quantization_config"]);

        var fp8 = Config(TinyModelSpec.KimiK25Nested, CheckpointQuantization.Fp8Block);
        Assert.False(fp8.ContainsKey("quantization_config"));
        AssertJson(Fp8Config, fp8["text_config"]!["quantization_config"]);
    }

    [Fact]
    public void Config_HasNoQuantizationConfig_WhenUnquantizedOrOmitted()
    {
        Assert.False(Config(TinyModelSpec.KimiK2Style, null).ContainsKey("quantization_config"));
        Assert.False(Config(TinyModelSpec.KimiK2Style, CheckpointQuantization.Fp8Block with { OmitFromConfig = true }).ContainsKey("quantization_config"));
        var nested = Config(TinyModelSpec.KimiK25Nested, CheckpointQuantization.Int4Group() with { OmitFromConfig = true });
        Assert.False(nested["text_config"]!.AsObject().ContainsKey("quantization_config"));
    }

    [Fact]
    public void Edits_ChangeOnlyTheConfig()
    {
        var int4 = CheckpointQuantization.Int4Group(32);
        JsonNode Edited(Action<JsonObject> edit) => Config(TinyModelSpec.KimiK2Style, int4 with { EditConfig = edit })["quantization_config"]!;
        JsonNode? Weights(JsonNode q) => q["config_groups"]!["group_0"]!["weights"];

        Assert.Equal(8, (int)Weights(Edited(QuantizationConfigEdits.Int4NumBits(8)))!["num_bits"]!);
        Assert.False((bool)Weights(Edited(QuantizationConfigEdits.Int4Asymmetric))!["symmetric"]!);
        var channel = Weights(Edited(QuantizationConfigEdits.Int4ChannelStrategy))!;
        Assert.Equal("channel", (string?)channel["strategy"]);
        Assert.Null(channel["group_size"]);
        Assert.Equal(8, (int)Edited(QuantizationConfigEdits.Int4InputActivations)["config_groups"]!["group_0"]!["input_activations"]!["num_bits"]!);
        Assert.Equal("float-quantized", (string?)Edited(QuantizationConfigEdits.FloatQuantizedFormat)["format"]);
        Assert.Equal(64, (int)Weights(Edited(QuantizationConfigEdits.Int4GroupSize(64)))!["group_size"]!);
        Assert.False(Edited(QuantizationConfigEdits.Remove("format")).AsObject().ContainsKey("format"));
        var combined = Edited(QuantizationConfigEdits.Int4NumBits(8) + QuantizationConfigEdits.Int4Asymmetric);
        Assert.Equal((8, false), ((int)Weights(combined)!["num_bits"]!, (bool)Weights(combined)!["symmetric"]!));
        var created = Edited(QuantizationConfigEdits.Set("config_groups.group_1.targets", new JsonArray("Linear")));
        Assert.Equal("Linear", (string?)created["config_groups"]!["group_1"]!["targets"]![0]);

        var fp8 = CheckpointQuantization.Fp8Block;
        var blocks = Config(TinyModelSpec.KimiK2Style, fp8 with { EditConfig = QuantizationConfigEdits.Fp8WeightBlockSize(64, 128) });
        AssertJson("[64, 128]", blocks["quantization_config"]!["weight_block_size"]);
        var method = Config(TinyModelSpec.KimiK2Style, fp8 with { EditConfig = QuantizationConfigEdits.QuantMethod("awq") + QuantizationConfigEdits.Fp8StaticActivations });
        Assert.Equal(("awq", "static"), ((string?)method["quantization_config"]!["quant_method"], (string?)method["quantization_config"]!["activation_scheme"]));

        // The tensors do not follow the edit: the same file as without it.
        using var a = new TempDirectory();
        using var b = new TempDirectory();
        TinyCheckpointWriter.Write(a.Path, TinyModelSpec.KimiK2Style, new() { Quantization = int4 });
        TinyCheckpointWriter.Write(b.Path, TinyModelSpec.KimiK2Style, new() { Quantization = int4 with { EditConfig = QuantizationConfigEdits.Int4NumBits(8) } });
        Assert.Equal(File.ReadAllBytes(a.File(TinyCheckpointWriter.SingleFileName)), File.ReadAllBytes(b.File(TinyCheckpointWriter.SingleFileName)));
        Assert.NotEqual(File.ReadAllText(a.File("config.json")), File.ReadAllText(b.File("config.json")));
    }

    private static JsonObject Config(TinyModelSpec spec, CheckpointQuantization? quantization)
    {
        using var dir = new TempDirectory();
        // Through the writer, so this checks what lands on disk.
        TinyCheckpointWriter.Write(dir.Path, spec with { NRoutedExperts = 4, NumExpertsPerTok = 2, HiddenSize = 128, MoeIntermediateSize = 128 },
            new() { Quantization = quantization });
        return JsonNode.Parse(File.ReadAllText(dir.File("config.json")))!.AsObject();
    }

    private static void AssertJson(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"expected {expected}\nactual   {actual?.ToJsonString()}");
}
