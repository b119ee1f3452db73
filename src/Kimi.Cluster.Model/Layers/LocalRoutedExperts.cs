using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.Configuration;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Layers;

/// <summary>
/// All routed experts of every MoE layer in this process. Tokens are grouped by expert so each
/// expert runs one matrix product over all the tokens that chose it.
/// </summary>
public sealed class LocalRoutedExperts : IRoutedExperts
{
    private readonly Dictionary<int, SwiGluMlp[]> _experts = [];

    public LocalRoutedExperts(ModelConfig config, IWeightSource weights)
    {
        for (int layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            if (!config.IsMoeLayer(layer))
                continue;
            _experts[layer] = Enumerable.Range(0, config.NRoutedExperts)
                .Select(e => SwiGluMlp.Load(weights, $"model.layers.{layer}.mlp.experts.{e}", config.HiddenSize, config.MoeIntermediateSize))
                .ToArray();
        }
    }

    public Tensor Compute(int layer, Tensor x, ExpertRouting routing)
    {
        using var scope = NewDisposeScope();
        var experts = _experts[layer];
        long k = routing.ExpertIds.shape[1];
        var slots = routing.ExpertIds.flatten();                                  // [tokens·k]
        var order = slots.argsort();
        var tokenOfSlot = order.div(k, rounding_mode: RoundingMode.floor);        // sorted by expert
        var weightOfSlot = routing.Weights.flatten().index_select(0, order);
        long[] counts = slots.bincount(null, experts.Length).data<long>().ToArray();
        var output = zeros_like(x);
        long offset = 0;
        for (int e = 0; e < experts.Length; e++)
        {
            if (counts[e] == 0)
                continue;
            var tokens = tokenOfSlot.narrow(0, offset, counts[e]);
            var expertOut = experts[e].Forward(x.index_select(0, tokens)) * weightOfSlot.narrow(0, offset, counts[e]).unsqueeze(1);
            output.index_add_(0, tokens, expertOut, 1);
            offset += counts[e];
        }
        return output.MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        foreach (var expert in _experts.Values.SelectMany(e => e))
            expert.Dispose();
    }
}
