using System.Text.Json.Nodes;
using Kimi.Cluster.Model.Configuration;
using Kimi.Cluster.Tests.Shared;
using Kimi.Cluster.Tests.Shared.Reference;

namespace Kimi.Cluster.Model.Tests.Configuration;

/// <summary>
/// K2.5's vision_config (vt_ fields) read from Moonshot's real config.json (../shared/kimi-files),
/// and every value this build cannot run refused at start, naming the field and the value.
/// </summary>
public sealed class VisionConfigReaderTests
{
    private static JsonObject RealK25Config() => JsonNode.Parse(File.ReadAllText(
        SharedFiles.Require("kimi-files", "kimi-vendor-verifier-beam-tokenizer", "config.json")))!.AsObject();

    [Fact]
    public void Parse_ReadsEveryVisionField_WhenTheConfigIsKimiK25s()
    {
        var vision = ModelConfigReader.Parse(RealK25Config().ToJsonString()).Vision;

        Assert.NotNull(vision);
        Assert.Equal((1152, 27, 16, 4304, 14), (vision.HiddenSize, vision.NumHiddenLayers, vision.NumAttentionHeads, vision.IntermediateSize, vision.PatchSize));
        Assert.Equal((64, 64, 4), (vision.InitPosEmbHeight, vision.InitPosEmbWidth, vision.InitPosEmbTime));
        Assert.Equal((1152, 7168, 1e-5), (vision.MmHiddenSize, vision.TextHiddenSize, vision.ProjectorLnEps));
        Assert.Equal((72, 588, 4608), (vision.HeadDim, vision.PatchInputs, vision.MergedWidth));
        Assert.Equal(VisionConfig.K25, vision);
    }

    [Fact]
    public void Parse_GivesNoVisionConfig_WhenTheModelIsTextOnly()
    {
        var text = RealK25Config()["text_config"]!.DeepClone().AsObject();

        Assert.Null(ModelConfigReader.Parse(text.ToJsonString()).Vision);
    }

    [Fact]
    public void Parse_GivesNoVisionConfig_WhenVisionConfigIsNotMoonVits()
    {
        // The tiny K2.5 checkpoints without a tower carry a stand-in vision_config without vt_ fields.
        var config = ModelConfigReader.Parse(TinyConfigJson.Build(TinyModelSpec.KimiK25Nested));

        Assert.Null(config.Vision);
    }

    [Fact]
    public void Parse_ReadsTheTinyTower_WhenTheSpecHasOne()
    {
        var spec = TinyModelSpec.KimiK25WithVision;
        var vision = ModelConfigReader.Parse(TinyConfigJson.Build(spec)).Vision;

        Assert.NotNull(vision);
        Assert.Equal((48, 2, 2, 64, 14, 8, 8), (vision.HiddenSize, vision.NumHiddenLayers, vision.NumAttentionHeads, vision.IntermediateSize, vision.PatchSize, vision.InitPosEmbHeight, vision.InitPosEmbWidth));
        Assert.Equal(spec.HiddenSize, vision.TextHiddenSize);
    }

    public static TheoryData<string, string, string> Unsupported => new()
    {
        { "merge_type", "\"avg_pool\"", "avg_pool" },
        { "mm_projector_type", "\"patchmergerv2\"", "patchmergerv2" },
        { "pos_emb_type", "\"rope_only\"", "rope_only" },
        { "projector_hidden_act", "\"silu\"", "silu" },
        { "merge_kernel_size", "[4,4]", "[4,4]" },
        { "merge_kernel_size", "[2,2,1]", "[2,2,1]" },
        { "vt_num_attention_heads", "64", "18" },        // head dim 1152/64 = 18: not a multiple of 4
        { "vt_num_attention_heads", "7", "7" },           // does not divide 1152
        { "text_hidden_size", "4096", "4096" },           // the text model's hidden size is 7168
        { "mm_hidden_size", "1024", "1024" },
        { "vt_hidden_size", "\"big\"", "\"big\"" },
        { "vt_num_hidden_layers", "null", "required" },
        { "vt_intermediate_size", "0", "0" },
    };

    [Theory]
    [MemberData(nameof(Unsupported))]
    public void Parse_FailsNamingTheFieldAndValue_WhenAVisionValueCannotRun(string field, string value, string quoted)
    {
        var root = RealK25Config();
        root["vision_config"]![field] = value == "null" ? null : JsonNode.Parse(value);

        var error = Assert.Throws<ModelConfigException>(() => ModelConfigReader.Parse(root.ToJsonString()));

        Assert.Equal("vision_config." + field, error.Field);
        Assert.Contains(quoted, error.Message, StringComparison.Ordinal);
    }
}
