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
            _ => QuantizationConfigEdits.Fp8StaticActivations,
        };
        var quantization = (scheme == "int4" ? CheckpointQuantization.Int4Group(32) : CheckpointQuantization.Fp8Block) with { EditConfig = change };
        using var directory = new TempDirectory();
        TinyCheckpointWriter.Write(directory.Path, TinyModelSpec.KimiK2Style, new TinyCheckpointOptions { Quantization = quantization });

        var error = Assert.Throws<ModelConfigException>(() => LoadedModel.Load(directory.Path));

        Assert.Equal(field, error.Field);
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
