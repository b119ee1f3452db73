using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.Configuration;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Layers;

/// <summary>
/// Some routed experts (the same ids in every MoE layer) loaded in this process: all of them
/// in a single process, one shard's on an expert worker. Computes weighted partial sums with
/// one matrix product per expert over all the tokens routed to it.
/// </summary>
public sealed class ExpertGroup : IDisposable
{
    private readonly ModelConfig _config;
    private readonly Dictionary<int, Dictionary<int, SwiGluMlp>> _experts = []; // layer → expert id → weights
    private readonly HashSet<int> _expertIds;

    public ExpertGroup(ModelConfig config, IWeightSource weights, IEnumerable<int> expertIds)
    {
        _config = config;
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
            _experts[layer] = _expertIds.Order().ToDictionary(e => e,
                e => SwiGluMlp.Load(weights, $"model.layers.{layer}.mlp.experts.{e}", config.HiddenSize, config.MoeIntermediateSize));
        }
    }

    public IReadOnlyCollection<int> ExpertIds => _expertIds;

    public bool Owns(int expert) => _expertIds.Contains(expert);

    public bool HasLayer(int layer) => _experts.ContainsKey(layer);

    /// <summary>Bytes of float32 expert weights held, over all layers.</summary>
    public long WeightBytes => _experts.Values.SelectMany(l => l.Values).Sum(e => e.WeightBytes);

    /// <summary>
    /// Pair p sends token tokenOfPair[p] to expert expertOfPair[p] with weight weightOfPair[p]
    /// (all [pairs]); returns Σ weight · Expert(x[token]) per token, [tokens, hidden].
    /// </summary>
    public Tensor Compute(int layer, Tensor x, Tensor expertOfPair, Tensor tokenOfPair, Tensor weightOfPair)
    {
        if (!_experts.TryGetValue(layer, out var experts))
            throw new ArgumentOutOfRangeException(nameof(layer), layer, "not a MoE layer of this model");
        using var scope = NewDisposeScope();
        var order = expertOfPair.argsort();
        var tokens = tokenOfPair.index_select(0, order);
        var weights = weightOfPair.index_select(0, order);
        long[] counts = expertOfPair.bincount(null, _config.NRoutedExperts).data<long>().ToArray();
        var output = zeros_like(x);
        long offset = 0;
        for (int e = 0; e < counts.Length; e++)
        {
            if (counts[e] == 0)
                continue;
            if (!experts.TryGetValue(e, out var expert))
                throw new ArgumentException($"expert {e} is not loaded here", nameof(expertOfPair));
            var rows = tokens.narrow(0, offset, counts[e]);
            var partial = expert.Forward(x.index_select(0, rows)) * weights.narrow(0, offset, counts[e]).unsqueeze(1);
            output.index_add_(0, rows, partial, KeptScalars.One);
            offset += counts[e];
        }
        return output.MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        foreach (var expert in _experts.Values.SelectMany(l => l.Values))
            expert.Dispose();
    }
}
