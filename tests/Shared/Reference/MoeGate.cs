namespace Kimi.Cluster.Tests.Shared.Reference;

/// <summary>
/// The DeepSeek-V3 "noaux_tc" router (MoEGate in Hugging Face's modeling_deepseek.py): the
/// correction bias only decides WHICH experts are chosen; the weights use the unbiased scores.
/// </summary>
public static class MoeGate
{
    /// <summary>Routes one token of layer <paramref name="layer"/> (input: post_attention_layernorm output).</summary>
    public static GateDecision Route(ReferenceWeights weights, int layer, double[] normedToken)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var logits = ReferenceMath.Linear(normedToken, weights.Layer(layer, "mlp.gate.weight"));
        string biasName = $"model.layers.{layer}.mlp.gate.e_score_correction_bias";
        var bias = weights.Contains(biasName) ? weights[biasName].Values : null;
        return RouteLogits(logits, bias, weights.Spec);
    }

    /// <summary>
    /// Routing from router logits. Experts outside the kept groups are excluded outright (−inf),
    /// as DeepSeek's own inference code and vLLM/SGLang do; HF's modeling file fills them with
    /// 0.0 instead, which only differs if fewer than top_k kept experts have a positive biased score.
    /// </summary>
    public static GateDecision RouteLogits(double[] logits, double[]? bias, TinyModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(spec);
        int experts = logits.Length;
        double[] scores = spec.ScoringFunc switch
        {
            "sigmoid" => logits.Select(ReferenceMath.Sigmoid).ToArray(),
            "softmax" => ReferenceMath.Softmax(logits),
            _ => throw new NotSupportedException($"scoring_func {spec.ScoringFunc}"),
        };
        var choice = new double[experts];
        for (int e = 0; e < experts; e++)
        {
            choice[e] = scores[e] + (bias?[e] ?? 0.0);
        }

        int groups = Math.Max(spec.NGroup, 1);
        var kept = Enumerable.Range(0, groups).ToArray();
        if (groups > 1)
        {
            if (experts % groups != 0)
            {
                throw new ArgumentException($"{experts} experts do not split into {groups} groups");
            }
            int perGroup = experts / groups;
            var groupScores = new double[groups];
            for (int g = 0; g < groups; g++)
            {
                // Sum of the two best biased scores in the group (topk(2).sum in HF).
                groupScores[g] = TopIndices(choice[(g * perGroup)..((g + 1) * perGroup)], Math.Min(2, perGroup))
                    .Sum(i => choice[g * perGroup + i]);
            }
            kept = TopIndices(groupScores, spec.TopkGroup).Order().ToArray();
            var masked = Enumerable.Repeat(double.NegativeInfinity, experts).ToArray();
            foreach (int g in kept)
            {
                Array.Copy(choice, g * perGroup, masked, g * perGroup, perGroup);
            }
            choice = masked;
        }

        var ids = TopIndices(choice, spec.NumExpertsPerTok);
        var weightsOut = ids.Select(id => scores[id]).ToArray();
        if (spec.NormTopkProb && spec.NumExpertsPerTok > 1)
        {
            double denominator = weightsOut.Sum() + 1e-20;
            for (int k = 0; k < weightsOut.Length; k++)
            {
                weightsOut[k] /= denominator;
            }
        }
        for (int k = 0; k < weightsOut.Length; k++)
        {
            weightsOut[k] *= spec.RoutedScalingFactor;
        }
        return new GateDecision(ids, weightsOut, kept);
    }

    /// <summary>Indices of the k largest values, largest first; ties go to the lower index.</summary>
    public static int[] TopIndices(double[] values, int k)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (k > values.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(k), $"top-{k} of {values.Length} values");
        }
        return Enumerable.Range(0, values.Length)
            .OrderByDescending(i => values[i])
            .ThenBy(i => i)
            .Take(k)
            .ToArray();
    }
}
