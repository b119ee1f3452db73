using Kimi.Cluster.Model.Configuration;

namespace Kimi.Cluster.Model.Checkpoints;

/// <summary>
/// Where a process gets the model: a Hugging Face directory, or (null) the built-in tiny model
/// with deterministic random weights, so every process of a cluster sees the same weights.
/// </summary>
public sealed class ModelSource
{
    private const ulong BuiltInSeed = 20250711;

    public ModelSource(string? directory)
    {
        Directory = directory;
        Config = directory is null ? ModelConfig.Tiny : ModelConfigReader.ReadFile(Path.Combine(directory, "config.json"));
        ModelId = directory is null ? "kimi-tiny" : Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)));
    }

    public string? Directory { get; }
    public ModelConfig Config { get; }

    /// <summary>The name served as the model id: the directory name, or "kimi-tiny".</summary>
    public string ModelId { get; }

    /// <summary>A fresh weight source with its own accounting; the caller disposes a checkpoint.</summary>
    public IWeightSource OpenWeights() => Directory is null
        ? new RandomWeights(BuiltInSeed)
        : new SafetensorsCheckpoint(Directory, Config.TensorPrefix, Config.Quantization);
}
