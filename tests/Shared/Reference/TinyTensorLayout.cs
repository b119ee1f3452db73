namespace Kimi.Cluster.Tests.Shared.Reference;

/// <summary>
/// The Hugging Face DeepSeek-V3 / Kimi K2 tensor list for a spec. Scales keep activations
/// O(1): linear weights N(0, 1/in), norms 1 + 0.1·N(0,1), embeddings N(0,1), and the
/// routing bias 0.1·N(0,1) — comparable to the spread of sigmoid scores, so the bias
/// changes the chosen experts often, which is what exposes a missing or misapplied bias.
/// </summary>
public static class TinyTensorLayout
{
    public static IReadOnlyList<TinyTensorSpec> Enumerate(TinyModelSpec spec, StoredDtype weightDtype = StoredDtype.BF16)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var list = new List<TinyTensorSpec>();
        int hidden = spec.HiddenSize;

        void Linear(string name, int outFeatures, int inFeatures, int layer) =>
            list.Add(new(name, [outFeatures, inFeatures], weightDtype, 0, Math.Sqrt(1.0 / inFeatures), layer));
        void Norm(string name, int size, int layer) =>
            list.Add(new(name, [size], weightDtype, 1, 0.1, layer));
        void SwiGlu(string prefix, int inter, int layer)
        {
            Linear(prefix + "gate_proj.weight", inter, hidden, layer);
            Linear(prefix + "up_proj.weight", inter, hidden, layer);
            Linear(prefix + "down_proj.weight", hidden, inter, layer);
        }

        list.Add(new("model.embed_tokens.weight", [spec.VocabSize, hidden], weightDtype, 0, 1, -1));
        for (int i = 0; i < spec.NumHiddenLayers; i++)
        {
            string p = $"model.layers.{i}.";
            Norm(p + "input_layernorm.weight", hidden, i);
            Norm(p + "post_attention_layernorm.weight", hidden, i);
            int qOut = spec.NumAttentionHeads * spec.QkHeadDim;
            if (spec.QLoraRank is int qLora)
            {
                Linear(p + "self_attn.q_a_proj.weight", qLora, hidden, i);
                Norm(p + "self_attn.q_a_layernorm.weight", qLora, i);
                Linear(p + "self_attn.q_b_proj.weight", qOut, qLora, i);
            }
            else
            {
                Linear(p + "self_attn.q_proj.weight", qOut, hidden, i);
            }
            Linear(p + "self_attn.kv_a_proj_with_mqa.weight", spec.KvLoraRank + spec.QkRopeHeadDim, hidden, i);
            Norm(p + "self_attn.kv_a_layernorm.weight", spec.KvLoraRank, i);
            Linear(p + "self_attn.kv_b_proj.weight",
                spec.NumAttentionHeads * (spec.QkNopeHeadDim + spec.VHeadDim), spec.KvLoraRank, i);
            Linear(p + "self_attn.o_proj.weight", hidden, spec.NumAttentionHeads * spec.VHeadDim, i);

            if (!spec.IsMoeLayer(i))
            {
                SwiGlu(p + "mlp.", spec.IntermediateSize, i);
                continue;
            }
            Linear(p + "mlp.gate.weight", spec.NRoutedExperts, hidden, i);
            // Real checkpoints keep this bias in float32 even when the weights are bf16.
            list.Add(new(p + "mlp.gate.e_score_correction_bias", [spec.NRoutedExperts], StoredDtype.F32, 0, 0.1, i));
            for (int e = 0; e < spec.NRoutedExperts; e++)
            {
                SwiGlu(p + $"mlp.experts.{e}.", spec.MoeIntermediateSize, i);
            }
            if (spec.NSharedExperts > 0)
            {
                SwiGlu(p + "mlp.shared_experts.", spec.MoeIntermediateSize * spec.NSharedExperts, i);
            }
        }
        int after = spec.NumHiddenLayers;
        Norm("model.norm.weight", hidden, after);
        Linear("lm_head.weight", spec.VocabSize, hidden, after);

        if (spec.Vision is { } vision)
        {
            if (!spec.NestedK25)
            {
                throw new ArgumentException("a vision tower needs the K2.5 layout (NestedK25)", nameof(spec));
            }
            list.AddRange(TinyVisionLayout.Enumerate(vision, hidden));
        }
        else if (spec.NestedK25)
        {
            // Small stand-ins for the vision tower and projector; the text model must skip them.
            list.Add(new("vision_tower.patch_embed.weight", [16, 3, 2, 2], weightDtype, 0, 0.5, -1, IsText: false));
            list.Add(new("mm_projector.proj.0.weight", [hidden, 16], weightDtype, 0, 0.25, -1, IsText: false));
        }
        return list;
    }
}
