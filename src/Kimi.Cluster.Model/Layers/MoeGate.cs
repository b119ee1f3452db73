using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.Configuration;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Kimi.Cluster.Model.Layers;

/// <summary>
/// The MoE router. Scores = sigmoid (or softmax) of x·Wgᵀ in float32. Experts are SELECTED by
/// scores + e_score_correction_bias (noaux_tc), limited to the best topk_group of n_group groups,
/// but WEIGHTED by the unbiased scores, normalised to sum 1 when norm_topk_prob, times
/// routed_scaling_factor.
/// </summary>
public sealed class MoeGate : IDisposable
{
    private readonly ModelConfig _config;
    private readonly Tensor _weight;              // [experts, hidden]
    private readonly Tensor? _scoreCorrectionBias; // [experts]
    private readonly Scalar _routedScalingFactor;
    private readonly Scalar _normEpsilon = 1e-20.ToScalar(); // keeps an all-zero choice finite, as HF does

    public MoeGate(ModelConfig config, string prefix, IWeightSource weights)
    {
        _config = config;
        _routedScalingFactor = config.RoutedScalingFactor.ToScalar();
        _weight = weights.Load(prefix + ".weight", config.NRoutedExperts, config.HiddenSize);
        if (config.TopkMethod == TopkMethod.NoAuxTc)
            _scoreCorrectionBias = weights.Load(prefix + ".e_score_correction_bias", config.NRoutedExperts);
    }

    public ExpertRouting Forward(Tensor x) // [tokens, hidden]
    {
        using var scope = NewDisposeScope();
        var logits = linear(x.to(ScalarType.Float32), _weight);
        var scores = _config.ScoringFunc == ScoringFunction.Sigmoid ? logits.sigmoid() : softmax(logits, -1);
        var choice = _scoreCorrectionBias is null ? scores : scores.Plus(_scoreCorrectionBias);
        if (_config.NGroup > 1 && _config.TopkMethod != TopkMethod.Greedy)
            choice = KeepBestGroups(choice);
        var expertIds = choice.topk(_config.NumExpertsPerTok, dim: -1).indexes;              // [tokens, k]
        var weights = scores.gather(1, expertIds);
        if (_config.NormTopkProb && _config.NumExpertsPerTok > 1)
            weights = weights / weights.sum([-1], keepdim: true).add(_normEpsilon, KeptScalars.One);
        weights = weights.mul(_routedScalingFactor);
        return new ExpertRouting(expertIds.MoveToOuterDisposeScope(), weights.MoveToOuterDisposeScope());
    }

    /// <summary>Masks out all but the topk_group best groups (by the sum of their top-2 scores, or their best).</summary>
    private Tensor KeepBestGroups(Tensor choice)
    {
        long tokens = choice.shape[0];
        var grouped = choice.view(tokens, _config.NGroup, -1);                               // [tokens, groups, per group]
        var groupScores = _config.TopkMethod == TopkMethod.NoAuxTc
            ? grouped.topk(2, dim: -1).values.sum([-1])
            : grouped.amax([-1]);
        var keptGroups = groupScores.topk(_config.TopkGroup, dim: -1).indexes;               // [tokens, topk_group]
        var keep = zeros_like(groupScores, dtype: ScalarType.Bool).scatter(1, keptGroups, ones_like(keptGroups, dtype: ScalarType.Bool));
        var keepExperts = keep.unsqueeze(-1).expand_as(grouped).reshape(tokens, -1);
        return choice.masked_fill(keepExperts.logical_not(), KeptScalars.NegativeInfinity);
    }

    public void Dispose()
    {
        _weight.Dispose();
        _scoreCorrectionBias?.Dispose();
        _routedScalingFactor.Dispose();
        _normEpsilon.Dispose();
    }
}
