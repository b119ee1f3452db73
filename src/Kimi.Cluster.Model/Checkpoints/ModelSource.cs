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

    /// <summary>How many layers load at once (several shard files read in parallel).</summary>
    public int LoadThreads { get; init; } = ParallelLoad.DefaultThreads;

    /// <summary>
    /// A fresh weight source with its own accounting; the caller disposes a checkpoint. With a
    /// <paramref name="progress"/>, what <paramref name="selection"/> will read is added to its
    /// totals first and each tensor read is counted there (the built-in model's generated weights never are).
    /// </summary>
    public IWeightSource OpenWeights(WeightSelection selection, LoadProgress? progress = null)
    {
        ArgumentNullException.ThrowIfNull(selection);
        if (Directory is null)
            return new RandomWeights(BuiltInSeed);
        var checkpoint = new SafetensorsCheckpoint(Directory, Config.TensorPrefix, Config.Quantization)
        {
            LoadThreads = LoadThreads,
            Progress = progress,
        };
        if (progress is not null)
        {
            var (tensors, bytes) = checkpoint.Planned(selection);
            progress.Plan(tensors, bytes);
        }
        return checkpoint;
    }
}
