using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.Layers;
using TorchSharp;

namespace Kimi.Cluster.Model.RoutedExperts;

/// <summary>One expert shard's weights in this process, with what the loader read for it.</summary>
public sealed class LoadedShard : IDisposable
{
    private LoadedShard(int shard, int replica, ExpertGroup experts, long loadedBytes, IReadOnlyList<string> tensorNames)
    {
        Shard = shard;
        Replica = replica;
        Experts = experts;
        LoadedBytes = loadedBytes;
        TensorNames = tensorNames;
    }

    public int Shard { get; }
    public int Replica { get; }
    public ExpertGroup Experts { get; }

    /// <summary>Checkpoint bytes read for this shard (0 for generated built-in weights).</summary>
    public long LoadedBytes { get; }

    /// <summary>Bytes of this shard's weights held, by form (INT4, FP8, BF16, F32).</summary>
    public IReadOnlyDictionary<string, long> ResidentBytes { get; private init; } = new Dictionary<string, long>();

    /// <summary>The tensors read for this shard, as the checkpoint names them.</summary>
    public IReadOnlyList<string> TensorNames { get; }

    internal static LoadedShard Load(ModelSource source, int shard, int replica, IReadOnlyList<int> expertIds, LoadProgress? progress = null)
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
            return new LoadedShard(shard, replica, experts, bytes, names) { ResidentBytes = weights.Resident.ByForm };
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
