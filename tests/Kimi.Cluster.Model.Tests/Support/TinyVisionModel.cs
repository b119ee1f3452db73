using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.Configuration;
using Kimi.Cluster.Model.Layers.Vision;
using Kimi.Cluster.Tests.Shared.Reference;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Tests.Support;

/// <summary>
/// A tiny K2.5 checkpoint with a vision tower (hidden 48, 2 heads of 24, 2 blocks, 8×8 position
/// grid) on disk, its text model INT4-quantized so the vision tensors must be read dense whatever
/// quantization_config says, and the encoder loaded from it. Shared by a test class.
/// </summary>
public sealed class TinyVisionModel : IDisposable
{
    private readonly TempDirectory _directory = new("tiny-vision");

    public TinyVisionModel()
    {
        TinyCheckpointWriter.Write(_directory.Path, Spec, Options);
        Config = ModelConfigReader.ReadFile(Path.Combine(_directory.Path, "config.json"));
        Checkpoint = new SafetensorsCheckpoint(_directory.Path, Config.TensorPrefix, Config.Quantization);
        using var noGrad = no_grad();
        Encoder = new VisionEncoder(Vision, Checkpoint);
    }

    public static TinyModelSpec Spec => TinyModelSpec.KimiK25WithVision;

    public static TinyCheckpointOptions Options { get; } = new() { Quantization = CheckpointQuantization.Int4Group(32) };

    public string Directory => _directory.Path;
    public ModelConfig Config { get; }
    public VisionConfig Vision => Config.Vision ?? throw new InvalidOperationException("the tiny config has no vision_config");
    public SafetensorsCheckpoint Checkpoint { get; }
    public VisionEncoder Encoder { get; }

    /// <summary>Pixel rows for <paramref name="images"/>, uniform in [−1, 1) like normalized pixels, drawn from <paramref name="seed"/>.</summary>
    public float[] Pixels(IReadOnlyList<ImageGrid> images, ulong seed)
    {
        var random = new SplitMix64(seed);
        var values = new float[images.Sum(i => i.Patches) * Vision.PatchInputs];
        for (int i = 0; i < values.Length; i++)
            values[i] = (float)(2 * random.NextDouble() - 1);
        return values;
    }

    public Tensor Forward(float[] pixels, IReadOnlyList<ImageGrid> images)
    {
        using var noGrad = no_grad();
        using var input = tensor(pixels, [pixels.Length / Vision.PatchInputs, Vision.PatchInputs]);
        return Encoder.Forward(new VisionBatch(input, images));
    }

    public void Dispose()
    {
        Encoder.Dispose();
        Checkpoint.Dispose();
        _directory.Dispose();
    }
}
