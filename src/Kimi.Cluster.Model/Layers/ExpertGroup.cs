using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.Configuration;
using System.Runtime.InteropServices;
using Kimi.Cluster.Kernels;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Layers;

/// <summary>
/// Some routed experts (the same ids in every MoE layer) loaded in this process: all of them
/// in a single process, one shard's on an expert worker. Computes weighted partial sums with
/// the grouped SwiGLU kernel, the weights held as the checkpoint stores them.
/// </summary>
public sealed class ExpertGroup : IDisposable
{
    private readonly Dictionary<int, Dictionary<int, SwiGluMlp>> _experts = []; // layer → expert id → weights
    private readonly Dictionary<int, ExpertWeights?[]> _byLayer = [];            // layer → weights by expert id (null: not here)
    private readonly HashSet<int> _expertIds;

    public ExpertGroup(ModelConfig config, IWeightSource weights, IEnumerable<int> expertIds)
    {
        _expertIds = [.. expertIds];
        foreach (int expert in _expertIds)
        {
            if (expert < 0 || expert >= config.NRoutedExperts)
                throw new ArgumentOutOfRangeException(nameof(expertIds), expert, $"expert ids run 0..{config.NRoutedExperts - 1}");
        }
        for (int layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            if (!config.IsMoeLayer(layer))
                continue;
            var loaded = _expertIds.Order().ToDictionary(e => e,
                e => SwiGluMlp.Load(weights, $"model.layers.{layer}.mlp.experts.{e}", config.HiddenSize, config.MoeIntermediateSize));
            _experts[layer] = loaded;
            _byLayer[layer] = [.. Enumerable.Range(0, config.NRoutedExperts).Select(e => loaded.TryGetValue(e, out var mlp) ? mlp.Weights : null)];
        }
    }

    public IReadOnlyCollection<int> ExpertIds => _expertIds;

    public bool Owns(int expert) => _expertIds.Contains(expert);

    public bool HasLayer(int layer) => _experts.ContainsKey(layer);

    /// <summary>Bytes of expert weights held (as stored), over all layers.</summary>
    public long WeightBytes => _experts.Values.SelectMany(l => l.Values).Sum(e => e.WeightBytes);

    /// <summary>
    /// Pair p sends token tokenOfPair[p] to expert expertOfPair[p] with weight weightOfPair[p]
    /// (all [pairs]); returns Σ weight · Expert(x[token]) per token, [tokens, hidden]. One grouped
    /// kernel call for the whole layer: each expert's weights are read once for all its tokens.
    /// </summary>
    public Tensor Compute(int layer, Tensor x, Tensor expertOfPair, Tensor tokenOfPair, Tensor weightOfPair)
    {
        if (!_byLayer.TryGetValue(layer, out var experts))
            throw new ArgumentOutOfRangeException(nameof(layer), layer, "not a MoE layer of this model");
        using var scope = NewDisposeScope();
        var assignments = Assignments(expertOfPair, tokenOfPair, weightOfPair, experts);
        var input = x.dtype == ScalarType.Float32 && x.is_contiguous() ? x : x.to(ScalarType.Float32).contiguous();
        var output = empty(input.shape[0], input.shape[1]);
        if (input.shape[0] > 0)
        {
            var inputs = MemoryMarshal.Cast<byte, float>(input.bytes);
            var outputs = MemoryMarshal.Cast<byte, float>(output.bytes);
            CpuKernels.Shared.ExpertSwiGlu(inputs, (int)input.shape[0], assignments, experts, outputs);
        }
        return output.MoveToOuterDisposeScope();
    }

    private static ExpertAssignment[] Assignments(Tensor expertOfPair, Tensor tokenOfPair, Tensor weightOfPair, ExpertWeights?[] experts)
    {
        long[] expertIds = expertOfPair.to(ScalarType.Int64).data<long>().ToArray();
        long[] tokens = tokenOfPair.to(ScalarType.Int64).data<long>().ToArray();
        float[] weights = weightOfPair.to(ScalarType.Float32).data<float>().ToArray();
        var assignments = new ExpertAssignment[expertIds.Length];
        for (int p = 0; p < expertIds.Length; p++)
        {
            long expert = expertIds[p];
            if (expert < 0 || expert >= experts.Length || experts[expert] is null)
                throw new ArgumentException($"expert {expert} is not loaded here", nameof(expertOfPair));
            assignments[p] = new ExpertAssignment((int)tokens[p], (int)expert, weights[p]);
        }
        return assignments;
    }

    public void Dispose()
    {
        foreach (var expert in _experts.Values.SelectMany(l => l.Values))
            expert.Dispose();
    }
}
