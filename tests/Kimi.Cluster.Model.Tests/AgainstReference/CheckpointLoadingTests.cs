using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.Configuration;
using Kimi.Cluster.Model.Engine;
using Kimi.Cluster.Tests.Shared.Reference;

namespace Kimi.Cluster.Model.Tests.AgainstReference;

/// <summary>Bad checkpoints fail at load with the tensor's name (and both shapes); good ones load lazily.</summary>
public sealed class CheckpointLoadingTests
{
    private const string QbName = "model.layers.1.self_attn.q_b_proj.weight";

    [Fact]
    public void MissingTensor_FailsNamingIt()
    {
        using var directory = new TempDirectory();
        TinyCheckpointWriter.WriteWithTensorDropped(directory.Path, TinyModelSpec.KimiK2Style, QbName);
        var error = Assert.Throws<CheckpointException>(() => LoadedModel.Load(directory.Path));
        Assert.Contains($"'{QbName}'", error.Message);
        Assert.Contains("missing", error.Message);
    }

    [Fact]
    public void WrongShape_FailsNamingTheTensorAndBothShapes()
    {
        using var directory = new TempDirectory();
        TinyCheckpointWriter.WriteWithShapeAltered(directory.Path, TinyModelSpec.KimiK2Style, QbName, [96, 40]);
        var error = Assert.Throws<CheckpointException>(() => LoadedModel.Load(directory.Path));
        Assert.Contains($"'{QbName}'", error.Message);
        Assert.Contains("[96, 40]", error.Message); // as stored
        Assert.Contains("[96, 48]", error.Message); // as the config needs: heads × (nope + rope), q_lora_rank
    }

    [Fact]
    public void Fp8Tensor_FailsWithAClearMessage()
    {
        using var directory = new TempDirectory();
        TinyCheckpointWriter.WriteWithF8Tensor(directory.Path, TinyModelSpec.KimiK2Style, QbName);
        var error = Assert.Throws<CheckpointException>(() => LoadedModel.Load(directory.Path));
        Assert.Contains($"'{QbName}'", error.Message);
        Assert.Contains("F8_E4M3", error.Message);
    }

    [Fact]
    public void Checkpoint_ReadsOnlyTheTensorsAskedFor()
    {
        using var directory = new TempDirectory();
        var weights = TinyCheckpointWriter.Write(directory.Path, TinyModelSpec.KimiK2Style, new TinyCheckpointOptions { ShardCount = 3 });
        using var checkpoint = new SafetensorsCheckpoint(directory.Path);
        Assert.Equal(0, checkpoint.LoadedBytes);
        using var tensor = checkpoint.Load("model.layers.2.mlp.experts.5.up_proj.weight", 32, 64);
        Assert.Equal(1, checkpoint.LoadedTensors);
        Assert.Equal(32 * 64 * 2, checkpoint.LoadedBytes);
        var expected = weights["model.layers.2.mlp.experts.5.up_proj.weight"].Values;
        Assert.Equal(expected.Select(v => (float)v), tensor.data<float>().ToArray());
    }

    [Fact]
    public void EngineWithRemoteExperts_ReadsNoRoutedExpertTensors()
    {
        using var directory = new TempDirectory();
        TinyCheckpointWriter.Write(directory.Path, TinyModelSpec.KimiK2Style);
        using var all = LoadedModel.Load(directory.Path);
        using var attentionOnly = LoadedModel.Load(directory.Path, _ => new Kimi.Cluster.Model.Exchange.RemoteRoutedExperts(null!)); // never dispatched here
        var spec = TinyModelSpec.KimiK2Style;
        int moeLayers = Enumerable.Range(0, spec.NumHiddenLayers).Count(spec.IsMoeLayer);
        int expertTensors = moeLayers * spec.NRoutedExperts * 3;
        long expertBytes = expertTensors / 3 * 3L * spec.MoeIntermediateSize * spec.HiddenSize * 2;
        Assert.Equal(all.CheckpointLoad.Tensors - expertTensors, attentionOnly.CheckpointLoad.Tensors);
        Assert.Equal(all.CheckpointLoad.Bytes - expertBytes, attentionOnly.CheckpointLoad.Bytes);
    }

    [Fact]
    public void MissingDirectoryOrConfig_FailsClearly()
    {
        using var directory = new TempDirectory();
        Assert.Throws<FileNotFoundException>(() => LoadedModel.Load(directory.Path));
        File.WriteAllText(directory.File("config.json"), "{\"model_type\": \"kimi_k2\"}");
        var error = Assert.Throws<ModelConfigException>(() => LoadedModel.Load(directory.Path));
        Assert.Equal("vocab_size", error.Field);
    }
}
