using System.Text.Json.Nodes;
using Kimi.Cluster.Model.Configuration;
using Kimi.Cluster.Model.Engine;
using Kimi.Cluster.Tests.Shared.Reference;

namespace Kimi.Cluster.Model.Tests.Configuration;

/// <summary>Schemes we do not compute fail at start, naming the config field and its value; nothing is served half-loaded.</summary>
public sealed class QuantizationConfigTests
{
    private const string Weights = "quantization_config.config_groups.group_0.weights.";

    public static TheoryData<string, string, string> Unsupported => new()
    {
        { "int4", "num_bits 8", Weights + "num_bits" },
        { "int4", "asymmetric", Weights + "symmetric" },
        { "int4", "channel strategy", Weights + "strategy" },
        { "int4", "group 48", Weights + "group_size" },
        { "int4", "input activations", "quantization_config.config_groups.group_0.input_activations" },
        { "int4", "float-quantized", "quantization_config.format" },
        { "int4", "awq", "quantization_config.quant_method" },
        { "fp8", "static activations", "quantization_config.activation_scheme" },
        { "int4", "group activation order", Weights + "actorder" },
        { "int4", "kv cache scheme", "quantization_config.kv_cache_scheme" },
        { "int4", "sparse 2:4", "quantization_config.sparsity_config.format" },
        { "int4", "transforms", "quantization_config.transform_config" },
        { "int4", "broken ignore pattern", "quantization_config.ignore" },
    };

    [Theory]
    [MemberData(nameof(Unsupported))]
    public void AnUnsupportedScheme_FailsAtStart_NamingTheField(string scheme, string edit, string field)
    {
        Action<JsonObject> change = edit switch
        {
            "num_bits 8" => QuantizationConfigEdits.Int4NumBits(8),
            "asymmetric" => QuantizationConfigEdits.Int4Asymmetric,
            "channel strategy" => QuantizationConfigEdits.Int4ChannelStrategy,
            "group 48" => QuantizationConfigEdits.Int4GroupSize(48),
            "input activations" => QuantizationConfigEdits.Int4InputActivations,
            "float-quantized" => QuantizationConfigEdits.FloatQuantizedFormat,
            "awq" => QuantizationConfigEdits.QuantMethod("awq"),
            "group activation order" => QuantizationConfigEdits.Set("config_groups.group_0.weights.actorder", "group"),
            "kv cache scheme" => QuantizationConfigEdits.Set("kv_cache_scheme", new JsonObject { ["num_bits"] = 8, ["type"] = "float", ["strategy"] = "tensor" }),
            "sparse 2:4" => QuantizationConfigEdits.Set("sparsity_config", new JsonObject { ["format"] = "sparse-24-bitmask", ["sparsity_structure"] = "2:4" }),
            "transforms" => QuantizationConfigEdits.Set("transform_config", new JsonObject { ["config_groups"] = new JsonObject() }),
            // A Python named group, which .NET's regular expressions do not read.
            "broken ignore pattern" => QuantizationConfigEdits.Set("ignore", new JsonArray("lm_head", "re:.*(?P<part>self_attn).*")),
            _ => QuantizationConfigEdits.Fp8StaticActivations,
        };
        var quantization = (scheme == "int4" ? CheckpointQuantization.Int4Group(32) : CheckpointQuantization.Fp8Block) with { EditConfig = change };
        using var directory = new TempDirectory();
        TinyCheckpointWriter.Write(directory.Path, TinyModelSpec.KimiK2Style, new TinyCheckpointOptions { Quantization = quantization });

        var error = Assert.Throws<ModelConfigException>(() => LoadedModel.Load(directory.Path));

        Assert.Equal(field, error.Field);
    }

    [Theory]
    [InlineData("weight")]
    [InlineData("static")]
    [InlineData("dense")]
    public void LayoutPreservingSettings_AreRead(string setting)
    {
        // Activation order "weight" / "static" only changed the order columns were quantized in; a
        // "dense" sparsity config describes weights stored as usual.
        var edit = setting == "dense"
            ? QuantizationConfigEdits.Set("sparsity_config", new JsonObject { ["format"] = "dense", ["sparsity_structure"] = "unstructured" })
            : QuantizationConfigEdits.Set("config_groups.group_0.weights.actorder", setting);
        using var directory = new TempDirectory();
        TinyCheckpointWriter.Write(directory.Path, TinyModelSpec.KimiK2Style,
            new TinyCheckpointOptions { Quantization = CheckpointQuantization.Int4Group(32) with { EditConfig = edit } });

        var config = ModelConfigReader.ReadFile(Path.Combine(directory.Path, "config.json"));

        Assert.Equal(QuantizationScheme.Int4Group, config.Quantization.Scheme);
    }

    [Fact]
    public void Targets_DecideWithTheIgnoreList_WhichLinearLayersAreInt4()
    {
        var byClass = new WeightQuantization { Scheme = QuantizationScheme.Int4Group, GroupSize = 32, Ignore = ["lm_head", "re:.*self_attn.*"] };
        Assert.True(byClass.Covers("model.layers.1.mlp.experts.0.gate_proj"));
        Assert.True(byClass.Covers("model.layers.1.mlp.shared_experts.up_proj"));
        Assert.False(byClass.Covers("model.layers.1.self_attn.o_proj"));
        Assert.False(byClass.Covers("lm_head"));

        var byName = byClass with { Targets = [@"re:.*experts\.\d+\..*", "model.layers.0.mlp.down_proj"], Ignore = [] };
        Assert.True(byName.Covers("model.layers.1.mlp.experts.0.gate_proj"));
        Assert.True(byName.Covers("model.layers.0.mlp.down_proj"));
        Assert.False(byName.Covers("model.layers.1.mlp.shared_experts.up_proj"));
        Assert.False(byName.Covers("model.layers.1.self_attn.o_proj"));

        // Another class than Linear names none of the Linear layers.
        Assert.False((byClass with { Targets = ["Embedding"] }).Covers("model.layers.1.mlp.experts.0.gate_proj"));
    }

    [Fact]
    public void K25_ReadsItsQuantizationConfig_InsideTextConfig()
    {
        using var directory = new TempDirectory();
        TinyCheckpointWriter.Write(directory.Path, TinyModelSpec.KimiK25Nested, new TinyCheckpointOptions { Quantization = CheckpointQuantization.Int4Group(32) });

        var config = ModelConfigReader.ReadFile(Path.Combine(directory.Path, "config.json"));

        Assert.Equal(QuantizationScheme.Int4Group, config.Quantization.Scheme);
        Assert.Equal(32, config.Quantization.GroupSize);
        Assert.True(config.Quantization.Covers("language_model.model.layers.1.mlp.experts.0.gate_proj"));
        Assert.False(config.Quantization.Covers("language_model.model.layers.1.self_attn.o_proj"));
        Assert.False(config.Quantization.Covers("language_model.model.layers.1.mlp.shared_experts.up_proj"));
        Assert.False(config.Quantization.Covers("language_model.model.layers.0.mlp.down_proj"));
        Assert.False(config.Quantization.Covers("language_model.lm_head"));
    }
}
