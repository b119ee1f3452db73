namespace Kimi.Cluster.Tests.Shared.Reference;

/// <summary>SwiGLU MLPs: the dense MLP, routed experts, the shared expert, and the MoE block.</summary>
public static class FeedForward
{
    /// <summary>down(silu(gate(x)) ⊙ up(x)) with weights "{prefix}gate_proj.weight" etc.</summary>
    public static double[] SwiGlu(ReferenceWeights weights, string prefix, double[] x)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var gate = ReferenceMath.Linear(x, weights[prefix + "gate_proj.weight"]);
        var up = ReferenceMath.Linear(x, weights[prefix + "up_proj.weight"]);
        for (int i = 0; i < gate.Length; i++)
        {
            gate[i] = ReferenceMath.Silu(gate[i]) * up[i];
        }
        return ReferenceMath.Linear(gate, weights[prefix + "down_proj.weight"]);
    }

    public static double[] DenseMlp(ReferenceWeights weights, int layer, double[] x) =>
        SwiGlu(weights, $"model.layers.{layer}.mlp.", x);

    public static double[] Expert(ReferenceWeights weights, int layer, int expert, double[] x) =>
        SwiGlu(weights, $"model.layers.{layer}.mlp.experts.{expert}.", x);

    public static double[] SharedExpert(ReferenceWeights weights, int layer, double[] x) =>
        SwiGlu(weights, $"model.layers.{layer}.mlp.shared_experts.", x);

    /// <summary>Σ_k w_k·Expert_{id_k}(x) + SharedExpert(x) for one token.</summary>
    public static double[] Moe(ReferenceWeights weights, int layer, double[] x)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var decision = MoeGate.Route(weights, layer, x);
        var y = new double[x.Length];
        for (int k = 0; k < decision.ExpertIds.Count; k++)
        {
            var e = Expert(weights, layer, decision.ExpertIds[k], x);
            for (int i = 0; i < y.Length; i++)
            {
                y[i] += decision.Weights[k] * e[i];
            }
        }
        return weights.Spec.NSharedExperts > 0 ? ReferenceMath.Add(y, SharedExpert(weights, layer, x)) : y;
    }

    /// <summary>The layer's feed-forward part: MoE or dense, by the HF layer rule.</summary>
    public static double[] Mlp(ReferenceWeights weights, int layer, double[] x)
    {
        ArgumentNullException.ThrowIfNull(weights);
        return weights.Spec.IsMoeLayer(layer) ? Moe(weights, layer, x) : DenseMlp(weights, layer, x);
    }
}
