using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.Layers;
using TorchSharp;

namespace Kimi.Cluster.Model.RoutedExperts;

/// <summary>Some routed experts' weights (every MoE layer) read together in this process, with what the loader read for them.</summary>
public sealed class LoadedExperts : IDisposable
{
    private LoadedExperts(ExpertGroup experts, long loadedBytes, IReadOnlyList<string> tensorNames)
    {
        Experts = experts;
        LoadedBytes = loadedBytes;
        TensorNames = tensorNames;
        LoadedCount = experts.ExpertIds.Count;
    }

    /// <summary>How many experts were read together (some may have been released since).</summary>
    public int LoadedCount { get; }

    /// <summary>
    /// One expert's share: routed experts all have the same shapes and forms, so the checkpoint
    /// and resident bytes split evenly; its tensor names are those of its own tensors.
    /// </summary>
    public (long LoadedBytes, IReadOnlyDictionary<string, long> ResidentBytes, IReadOnlyList<string> TensorNames) ShareOf(int expert)
    {
        string marker = $".mlp.experts.{expert}.";
        return (LoadedBytes / LoadedCount, ResidentBytes.ToDictionary(p => p.Key, p => p.Value / LoadedCount, StringComparer.Ordinal),
            [.. TensorNames.Where(name => name.Contains(marker, StringComparison.Ordinal))]);
    }

    public ExpertGroup Experts { get; }

    /// <summary>Checkpoint bytes read for these experts (0 for generated built-in weights).</summary>
    public long LoadedBytes { get; }

    /// <summary>Bytes of these experts' weights held, by form (INT4, FP8, BF16, F16, F32).</summary>
    public IReadOnlyDictionary<string, long> ResidentBytes { get; private init; } = new Dictionary<string, long>();

    /// <summary>The tensors read for these experts, as the checkpoint names them.</summary>
    public IReadOnlyList<string> TensorNames { get; }

    internal static LoadedExperts Load(ModelSource source, IReadOnlyList<int> expertIds, LoadProgress? progress = null)
    {
        Engine.ComputeThreads.Configure();
        var weights = source.OpenWeights(WeightSelection.Experts(source.Config, expertIds), progress);
        try
        {
            using var noGrad = torch.no_grad();
            var experts = new ExpertGroup(source.Config, weights, expertIds);
            var (bytes, names) = weights is SafetensorsCheckpoint checkpoint
                ? (checkpoint.LoadedBytes, checkpoint.LoadedTensorNames)
                : (0L, ExpertTensorNames(source, expertIds));
            return new LoadedExperts(experts, bytes, names) { ResidentBytes = weights.Resident.ByForm };
        }
        finally
        {
            (weights as IDisposable)?.Dispose();
        }
    }

    private static string[] ExpertTensorNames(ModelSource source, IReadOnlyList<int> expertIds) =>
        [.. from layer in Enumerable.Range(0, source.Config.NumHiddenLayers) where source.Config.IsMoeLayer(layer)
            from e in expertIds from m in new[] { "gate_proj", "up_proj", "down_proj" }
            select $"model.layers.{layer}.mlp.experts.{e}.{m}.weight"];

    public void Dispose() => Experts.Dispose();
}
