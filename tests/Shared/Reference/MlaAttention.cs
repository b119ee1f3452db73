namespace Kimi.Cluster.Tests.Shared.Reference;

/// <summary>
/// Multi-head latent attention in its naive (non-absorbed) form, as DeepseekV3Attention in
/// Hugging Face's modeling_deepseek.py computes it, with causal masking over positions 0..T−1.
/// </summary>
public static class MlaAttention
{
    /// <summary>
    /// HF builds q_a_layernorm and kv_a_layernorm with DeepseekV3RMSNorm's default eps, not
    /// rms_norm_eps — an easy detail to get wrong when rms_norm_eps is 1e-5 (Kimi K2).
    /// </summary>
    public const double LatentNormEps = 1e-6;

    /// <summary>
    /// Attention of layer <paramref name="layer"/> on already-normed inputs (input_layernorm
    /// applied), including o_proj. Returns one hidden-size vector per token.
    /// </summary>
    public static double[][] Forward(ReferenceWeights weights, int layer, double[][] normed)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(normed);
        var spec = weights.Spec;
        int heads = spec.NumAttentionHeads, nope = spec.QkNopeHeadDim, rope = spec.QkRopeHeadDim;
        int vDim = spec.VHeadDim, qHead = spec.QkHeadDim, kvHead = nope + vDim, T = normed.Length;
        var invFreq = YarnRope.InverseFrequencies(rope, spec.RopeTheta, spec.RopeScaling);
        double cosSin = YarnRope.CosSinScale(spec.RopeScaling);
        double softmaxScale = YarnRope.SoftmaxScale(qHead, spec.RopeScaling);

        var q = new double[T][];      // heads·(nope+rope), rope part of each head rotated in place
        var kPe = new double[T][];    // rope, shared by all heads, rotated
        var kv = new double[T][];     // heads·(nope+v)
        for (int t = 0; t < T; t++)
        {
            q[t] = Queries(weights, layer, normed[t]);
            for (int h = 0; h < heads; h++)
            {
                var rotated = YarnRope.ApplyInterleaved(q[t], h * qHead + nope, t, invFreq, cosSin);
                Array.Copy(rotated, 0, q[t], h * qHead + nope, rope);
            }
            var compressed = ReferenceMath.Linear(normed[t], weights.Layer(layer, "self_attn.kv_a_proj_with_mqa.weight"));
            var latent = compressed[..spec.KvLoraRank];
            kPe[t] = YarnRope.ApplyInterleaved(compressed, spec.KvLoraRank, t, invFreq, cosSin);
            var latentNormed = ReferenceMath.RmsNorm(latent, weights.Layer(layer, "self_attn.kv_a_layernorm.weight").Values, LatentNormEps);
            kv[t] = ReferenceMath.Linear(latentNormed, weights.Layer(layer, "self_attn.kv_b_proj.weight"));
        }

        var outputs = new double[T][];
        for (int t = 0; t < T; t++)
        {
            var concat = new double[heads * vDim];
            for (int h = 0; h < heads; h++)
            {
                var scores = new double[t + 1]; // causal: keys 0..t only
                for (int s = 0; s <= t; s++)
                {
                    double dot = ReferenceMath.Dot(q[t], h * qHead, kv[s], h * kvHead, nope)
                               + ReferenceMath.Dot(q[t], h * qHead + nope, kPe[s], 0, rope);
                    scores[s] = dot * softmaxScale;
                }
                var probs = ReferenceMath.Softmax(scores);
                for (int s = 0; s <= t; s++)
                {
                    for (int d = 0; d < vDim; d++)
                    {
                        concat[h * vDim + d] += probs[s] * kv[s][h * kvHead + nope + d];
                    }
                }
            }
            outputs[t] = ReferenceMath.Linear(concat, weights.Layer(layer, "self_attn.o_proj.weight"));
        }
        return outputs;
    }

    /// <summary>q = q_b(RMSNorm_1e-6(q_a(x))), or q_proj(x) without a q LoRA; before RoPE.</summary>
    public static double[] Queries(ReferenceWeights weights, int layer, double[] normedToken)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Spec.QLoraRank is null)
        {
            return ReferenceMath.Linear(normedToken, weights.Layer(layer, "self_attn.q_proj.weight"));
        }
        var qa = ReferenceMath.Linear(normedToken, weights.Layer(layer, "self_attn.q_a_proj.weight"));
        var qaNormed = ReferenceMath.RmsNorm(qa, weights.Layer(layer, "self_attn.q_a_layernorm.weight").Values, LatentNormEps);
        return ReferenceMath.Linear(qaNormed, weights.Layer(layer, "self_attn.q_b_proj.weight"));
    }
}
