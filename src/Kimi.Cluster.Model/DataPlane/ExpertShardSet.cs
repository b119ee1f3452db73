using System.Collections.Concurrent;
using Kimi.Cluster.Kernels;
using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.Configuration;
using Kimi.Cluster.Model.Layers;
using Kimi.Cluster.Model.TensorSupport;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.DataPlane;

/// <summary>
/// The expert shards loaded in an expert worker, and the computation its data plane serves:
/// bytes in, weighted partial sums out. Shards are loaded by their grains' activations.
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
    /// hidden: [tokens, hidden] float32 LE; token t has pairsPerToken[t] consecutive (expert, weight)
    /// pairs. Returns Σ weight · Expert(x) per token as float32 LE bytes. Bad input throws ArgumentException.
    /// </summary>
    public byte[] ComputePartials(int layer, ReadOnlySpan<byte> hidden, IReadOnlyList<int> pairsPerToken, IReadOnlyList<int> expertIds, float[] weights)
    {
        int tokens = pairsPerToken.Count;
        if (layer < 0 || layer >= Config.NumHiddenLayers || !Config.IsMoeLayer(layer))
            throw new ArgumentException($"layer {layer} is not a MoE layer of this model", nameof(layer));
        if (expertIds.Count != weights.Length || pairsPerToken.Sum() != expertIds.Count)
            throw new ArgumentException($"{expertIds.Count} expert ids, {weights.Length} gate weights and {pairsPerToken.Sum()} pairs per token do not match", nameof(expertIds));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = ActivationCodec.Decode(hidden, tokens, Config.HiddenSize);
        var tokenOfPair = Enumerable.Range(0, tokens).SelectMany(t => Enumerable.Repeat(t, pairsPerToken[t])).ToArray();
        var output = zeros(tokens, Config.HiddenSize);
        foreach (var group in Enumerable.Range(0, expertIds.Count).GroupBy(p => OwnerOf(expertIds[p])))
        {
            ExpertAssignment[] assignments = [.. group.Select(p => new ExpertAssignment(tokenOfPair[p], expertIds[p], weights[p]))];
            output.add_(group.Key.Experts.Compute(layer, x, assignments), KeptScalars.One);
        }
        return ActivationCodec.Encode(output);
    }

    private LoadedShard OwnerOf(int expert) =>
        _shards.Values.FirstOrDefault(s => s.Experts.Owns(expert))
        ?? (expert < 0 || expert >= Config.NRoutedExperts
            ? throw new ArgumentException($"unknown expert id {expert} (the model has {Config.NRoutedExperts})", "expert_ids")
            : throw new ExpertNotLoadedException($"expert {expert} belongs to a shard that is not loaded on this worker"));

    public void Dispose()
    {
        foreach (var shard in _shards.Values)
            shard.Dispose();
        _shards.Clear();
    }
}
