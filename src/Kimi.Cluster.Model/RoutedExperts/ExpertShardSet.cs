using System.Collections.Concurrent;
using Kimi.Cluster.Kernels;
using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.Configuration;
using Kimi.Cluster.Model.Exchange;

namespace Kimi.Cluster.Model.RoutedExperts;

/// <summary>
/// The expert shards loaded in an expert worker, and the computation its data plane serves:
/// decoded work in, weighted partial sums out. Shards are loaded by their grains' activations.
/// </summary>
public sealed class ExpertShardSet(ModelSource source) : IDisposable
{
    private readonly ConcurrentDictionary<int, LoadedShard> _shards = new();

    public ModelConfig Config => source.Config;

    public IReadOnlyCollection<LoadedShard> Shards => [.. _shards.Values];

    /// <summary>
    /// Loads a shard's experts (every MoE layer) from the checkpoint, once; later calls return it.
    /// What it reads is counted in <paramref name="progress"/>, when given.
    /// </summary>
    public LoadedShard Load(int shard, int replica, IReadOnlyList<int> expertIds, LoadProgress? progress = null) =>
        _shards.GetOrAdd(shard, _ => LoadedShard.Load(source, shard, replica, expertIds, progress));

    /// <summary>Frees a shard's weights, if the replica that loaded them is the one leaving.</summary>
    public void Unload(int shard, int replica)
    {
        if (_shards.TryGetValue(shard, out var loaded) && loaded.Replica == replica
            && _shards.TryRemove(KeyValuePair.Create(shard, loaded)))
            loaded.Dispose();
    }

    /// <summary>
    /// Σ weight · Expert(x) per token of <paramref name="work"/> (decoded from a data-plane batch),
    /// float32 [tokens, hidden], in one kernel call over the experts of every shard loaded here.
    /// Work for a layer that is not MoE throws ArgumentException; for an expert whose shard is not
    /// here, <see cref="ExpertNotLoadedException"/> (the caller's placement is out of date).
    /// </summary>
    public float[] Compute(ExpertWork work)
    {
        ArgumentNullException.ThrowIfNull(work);
        work.Checked();
        if (work.Layer < 0 || work.Layer >= Config.NumHiddenLayers || !Config.IsMoeLayer(work.Layer))
            throw new ArgumentException($"layer {work.Layer} is not a MoE layer of this model", nameof(work));
        var experts = new ExpertWeights?[Config.NRoutedExperts];
        foreach (var shard in _shards.Values)
        {
            var weights = shard.Experts.WeightsOf(work.Layer);
            foreach (int expert in shard.Experts.ExpertIds)
                experts[expert] = weights?[expert];
        }
        try
        {
            return ExpertGroup.Compute(work, experts);
        }
        catch (ExpertNotLoadedException error)
        {
            throw new ExpertNotLoadedException($"{error.Message}: its shard is not loaded on this worker");
        }
    }

    public void Dispose()
    {
        foreach (var shard in _shards.Values)
            shard.Dispose();
        _shards.Clear();
    }
}
