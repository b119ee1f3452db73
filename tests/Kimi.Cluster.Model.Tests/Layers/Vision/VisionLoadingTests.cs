using Kimi.Cluster.Kernels;
using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.Configuration;
using Kimi.Cluster.Model.Layers;
using Kimi.Cluster.Model.Layers.Vision;
using Kimi.Cluster.Model.Tests.Support;
using Kimi.Cluster.Tests.Shared.Reference;
using SafetensorsFile = Kimi.Cluster.Tests.Shared.Reference.SafetensorsFile;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Tests.Layers.Vision;

/// <summary>
/// The vision tensors are top-level and dense bf16 in a checkpoint whose text model is INT4: the
/// encoder reads them through <see cref="SafetensorsCheckpoint.Unprefixed"/>, holds its matrices
/// as stored, counts what it holds, and a checkpoint without them is told before loading.
/// </summary>
public sealed class VisionLoadingTests(TinyVisionModel model) : IClassFixture<TinyVisionModel>
{
    private const string Wqkv = "vision_tower.encoder.blocks.0.wqkv";

    [Fact]
    public void Unprefixed_ReadsAVisionLinearAsStoredBf16_WhenTheTextModelIsInt4()
    {
        using var checkpoint = Open(model.Directory);
        int hidden = model.Vision.HiddenSize;

        using var wqkv = checkpoint.Unprefixed.LoadMatrix(Wqkv, 3 * hidden, hidden);

        Assert.Equal(QuantizationScheme.Int4Group, model.Config.Quantization.Scheme);
        Assert.Equal(WeightFormat.BFloat16, wqkv.Matrix.Format);
        AssertHoldsStoredBytes(wqkv, Wqkv + ".weight");
        // Through the text model's names it is neither prefixed right nor quantized.
        Assert.Throws<CheckpointException>(() => checkpoint.LoadMatrix(Wqkv, 3 * hidden, hidden));
    }

    [Fact]
    public void Unprefixed_ReadsThePatchConvolutionAsAMatrix_OfItsFlattenedKernel()
    {
        using var checkpoint = Open(model.Directory);
        const string proj = "vision_tower.patch_embed.proj";

        using var matrix = checkpoint.Unprefixed.LoadMatrix(proj, model.Vision.HiddenSize, model.Vision.PatchInputs);

        AssertHoldsStoredBytes(matrix, proj + ".weight");
        Assert.Throws<CheckpointException>(() => checkpoint.Unprefixed.LoadMatrix(proj, model.Vision.HiddenSize, model.Vision.PatchInputs - 1));
    }

    [Fact]
    public void Encoder_HoldsItsMatricesAsBf16_AndTheRestAsFloat32()
    {
        using var checkpoint = Open(model.Directory);
        var stored = SafetensorsFile.ReadDirectory(model.Directory).Where(t => !t.Key.StartsWith("language_model.", StringComparison.Ordinal)).ToArray();
        bool IsMatrix(string name) => name.EndsWith(".weight", StringComparison.Ordinal) && stored.First(t => t.Key == name).Value.Entry.Shape.Count > 1
            && !name.Contains("pos_emb", StringComparison.Ordinal);

        using var encoder = new VisionEncoder(model.Vision, checkpoint);

        long bf16 = stored.Where(t => IsMatrix(t.Key)).Sum(t => (long)t.Value.Data.Length);
        long f32 = stored.Where(t => !IsMatrix(t.Key)).Sum(t => t.Value.Data.Length / 2L * sizeof(float));
        Assert.Equal(new Dictionary<string, long> { ["BF16"] = bf16, ["F32"] = f32 }, checkpoint.Resident.ByForm);
        Assert.Equal(VisionTensorNames.All(model.Vision).Order(), checkpoint.LoadedTensorNames.Order());
    }

    [Fact]
    public void PlannedStored_IsWhatTheEncoderReads()
    {
        using var checkpoint = Open(model.Directory);
        var planned = checkpoint.PlannedStored(VisionTensorNames.All(model.Vision));

        using var encoder = new VisionEncoder(model.Vision, checkpoint);

        Assert.Equal((checkpoint.LoadedTensors, checkpoint.LoadedBytes), planned);
    }

    [Fact]
    public void TensorNames_AreTheReleasesList_AtK25Size()
    {
        var names = VisionTensorNames.All(VisionConfig.K25);

        // MOONVIT.md §1.2: patch_embed (3), 27 blocks of 12, final_layernorm (2), mm_projector (6).
        Assert.Equal(3 + 27 * 12 + 2 + 6, names.Distinct().Count());
        Assert.Contains("vision_tower.encoder.blocks.26.mlp.fc1.bias", names);
        Assert.Contains("mm_projector.proj.2.weight", names);
    }

    [Fact]
    public void MissingTensors_IsEmpty_WhenTheCheckpointHasTheTower()
    {
        Assert.Empty(VisionEncoder.MissingTensors(model.Vision, model.Checkpoint));
    }

    [Fact]
    public void MissingTensors_NamesTheDroppedTensor_WhenOneIsMissing()
    {
        using var directory = new TempDirectory();
        const string dropped = "vision_tower.encoder.blocks.1.wo.bias";
        TinyCheckpointWriter.WriteWithTensorDropped(directory.Path, TinyModelSpec.KimiK25WithVision, dropped);
        using var checkpoint = Open(directory.Path);

        Assert.Equal([dropped], VisionEncoder.MissingTensors(model.Vision, checkpoint));
        Assert.Throws<CheckpointException>(() => new VisionEncoder(model.Vision, checkpoint));
    }

    [Fact]
    public void MissingTensors_ListsAllButTheStandIns_WhenTheCheckpointHasOnlyStandIns()
    {
        using var directory = new TempDirectory();
        var standIns = TinyCheckpointWriter.Write(directory.Path, TinyModelSpec.KimiK25Nested).StoredNames;
        using var checkpoint = Open(directory.Path);

        Assert.Equal(VisionTensorNames.All(model.Vision).Except(standIns), VisionEncoder.MissingTensors(model.Vision, checkpoint));
    }

    [Fact]
    public void TextModel_ReadsOnlyTextTensors_WhenTheCheckpointAlsoHasATower()
    {
        int textTensors = SafetensorsFile.ReadDirectory(model.Directory).Keys
            .Count(n => n.StartsWith("language_model.", StringComparison.Ordinal) && !n.EndsWith(".weight_shape", StringComparison.Ordinal));

        using var checkpoint = Open(model.Directory);

        using (no_grad())
        using (new KimiModel(model.Config, checkpoint))
            Assert.Equal(textTensors, checkpoint.LoadedTensors);
    }

    private static SafetensorsCheckpoint Open(string directory)
    {
        var config = ModelConfigReader.ReadFile(Path.Combine(directory, "config.json"));
        return new SafetensorsCheckpoint(directory, config.TensorPrefix, config.Quantization);
    }

    private void AssertHoldsStoredBytes(WeightBuffer buffer, string tensor)
    {
        var (entry, data) = SafetensorsFile.ReadDirectory(model.Directory)[tensor];
        Assert.Equal("BF16", entry.Dtype);
        Assert.Equal(data.Length, buffer.Matrix.StoredBytes);
        var held = new byte[data.Length];
        System.Runtime.InteropServices.Marshal.Copy(buffer.Matrix.Data, held, 0, held.Length);
        Assert.Equal(data, held);
    }
}
