using System.Buffers;
using Kimi.Cluster.Kernels.Routing;
using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.Configuration;
using Kimi.Cluster.Model.Exchange;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Layers;

/// <summary>
/// The MoE router. Scores = sigmoid (or softmax) of x·Wgᵀ in float32. Experts are SELECTED by
/// scores + e_score_correction_bias (noaux_tc), limited to the best topk_group of n_group groups,
/// but WEIGHTED by the unbiased scores, normalised to sum 1 when norm_topk_prob, times
/// routed_scaling_factor. The logits are one product (the router held as stored, bf16 in every Kimi
/// checkpoint, run by the kernels with float32 sums as the reference's float32 linear computes it);
/// the choice is <see cref="ExpertSelection"/>.
/// </summary>
public sealed class MoeGate : IDisposable
{
    private readonly Linear _router;       // [experts, hidden]
    private readonly float[] _bias;        // [experts] (noaux_tc) or empty
    private readonly ExpertSelectionRule _rule;

    public MoeGate(ModelConfig config, string prefix, IWeightSource weights)
    {
        // Not a quantized Linear in any scheme: read in the dtype its tensor has.
        _router = new Linear(weights.LoadMatrix(prefix, config.NRoutedExperts, config.HiddenSize, isLinear: false));
        if (config.TopkMethod == TopkMethod.NoAuxTc)
        {
            using var bias = weights.Load(prefix + ".e_score_correction_bias", config.NRoutedExperts);
            _bias = bias.to(ScalarType.Float32).data<float>().ToArray();
        }
        else
        {
            _bias = [];
        }
        bool grouped = config.NGroup > 1 && config.TopkMethod != TopkMethod.Greedy;
        _rule = new ExpertSelectionRule(
            config.NumExpertsPerTok, config.ScoringFunc == ScoringFunction.Sigmoid,
            grouped ? config.NGroup : 1, grouped ? config.TopkGroup : 1,
            config.TopkMethod == TopkMethod.NoAuxTc ? GroupStrength.TopTwoSum : GroupStrength.Best,
            config.NormTopkProb, (float)config.RoutedScalingFactor);
    }

    public ExpertRouting Forward(Tensor x) // [tokens, hidden]
    {
        int tokens = (int)x.size(0), k = _rule.TopK;
        var routing = new ExpertRouting(tokens, k, new int[tokens * k], new float[tokens * k]);
        if (tokens == 0)
            return routing;
        int count = tokens * _router.OutFeatures;
        float[] logits = ArrayPool<float>.Shared.Rent(count);
        try
        {
            _router.Forward(x, logits.AsSpan(0, count));
            ExpertSelection.Select(_rule, logits.AsSpan(0, count), tokens, _bias, routing.ExpertIds, routing.Weights);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(logits);
        }
        return routing;
    }

    public void Dispose() => _router.Dispose();
}
