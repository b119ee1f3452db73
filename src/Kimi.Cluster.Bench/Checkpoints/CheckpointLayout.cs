namespace Kimi.Cluster.Bench.Checkpoints;

/// <summary>
/// Lists a spec's tensors with the Hugging Face DeepSeek-V3 / Kimi K2 names and shapes the server
/// loads, in model order, each stored as the format says: INT4 for routed experts only, FP8 for
/// every attention and MLP Linear, BF16 for the rest. Values keep activations O(1): norms near 1,
/// Linear weights with std 1/sqrt(inputs).
/// </summary>
public static class CheckpointLayout
{
    /// <summary>std of q uniform in -7..7: sqrt(2 (1² + … + 7²) / 15).</summary>
    public static readonly double Int4Rms = Math.Sqrt(2.0 * 140 / 15);

    private const float Sqrt3 = 1.7320508f;
    private const float ScaleJitter = 0.1f;

    public static IReadOnlyList<PlannedTensor> Plan(CheckpointSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var tensors = new List<PlannedTensor>
        {
            // Unit std, as the embedding output feeds the first norm directly.
            Bf16("model.embed_tokens.weight", [spec.Vocab, spec.Hidden], TensorRole.Embedding, 0, Sqrt3),
        };
        for (int layer = 0; layer < spec.Layers; layer++)
            AddLayer(tensors, spec, layer);
        tensors.Add(Norm("model.norm.weight", spec.Hidden));
        tensors.Add(Bf16("lm_head.weight", [spec.Vocab, spec.Hidden], TensorRole.LmHead, 0, Spread(spec.Hidden)));
        return tensors;
    }

    private static void AddLayer(List<PlannedTensor> tensors, CheckpointSpec s, int layer)
    {
        string p = $"model.layers.{layer}";
        tensors.Add(Norm($"{p}.input_layernorm.weight", s.Hidden));
        tensors.Add(Norm($"{p}.post_attention_layernorm.weight", s.Hidden));
        string a = p + ".self_attn";
        int qkHead = s.QkNope + s.QkRope;
        if (s.QLoraRank > 0)
        {
            tensors.AddRange(Linear(s, $"{a}.q_a_proj", s.QLoraRank, s.Hidden, TensorRole.Attention));
            tensors.Add(Norm($"{a}.q_a_layernorm.weight", s.QLoraRank));
            tensors.AddRange(Linear(s, $"{a}.q_b_proj", s.Heads * qkHead, s.QLoraRank, TensorRole.Attention));
        }
        else
        {
            tensors.AddRange(Linear(s, $"{a}.q_proj", s.Heads * qkHead, s.Hidden, TensorRole.Attention));
        }
        tensors.AddRange(Linear(s, $"{a}.kv_a_proj_with_mqa", s.KvLoraRank + s.QkRope, s.Hidden, TensorRole.Attention));
        tensors.Add(Norm($"{a}.kv_a_layernorm.weight", s.KvLoraRank));
        tensors.AddRange(Linear(s, $"{a}.kv_b_proj", s.Heads * (s.QkNope + s.VHead), s.KvLoraRank, TensorRole.Attention));
        tensors.AddRange(Linear(s, $"{a}.o_proj", s.Hidden, s.Heads * s.VHead, TensorRole.Attention));
        if (layer < s.FirstDense)
        {
            tensors.AddRange(Mlp(s, $"{p}.mlp", s.Intermediate, TensorRole.DenseMlp));
            return;
        }
        tensors.Add(Bf16($"{p}.mlp.gate.weight", [s.Experts, s.Hidden], TensorRole.Router, 0, Spread(s.Hidden)));
        tensors.Add(new PlannedTensor($"{p}.mlp.gate.e_score_correction_bias", SafetensorsDType.F32, [s.Experts],
            TensorRole.Router, TensorFill.F32UniformRaised, s.Experts, 0, 0.01f, Constant: [.. s.HotExperts]));
        if (s.SharedExperts > 0)
            tensors.AddRange(Mlp(s, $"{p}.mlp.shared_experts", s.MoeIntermediate * s.SharedExperts, TensorRole.SharedExperts));
        for (int expert = 0; expert < s.Experts; expert++)
            tensors.AddRange(Mlp(s, $"{p}.mlp.experts.{expert}", s.MoeIntermediate, TensorRole.RoutedExperts));
    }

    private static IEnumerable<PlannedTensor> Mlp(CheckpointSpec s, string prefix, int intermediate, TensorRole role) =>
    [
        .. Linear(s, prefix + ".gate_proj", intermediate, s.Hidden, role),
        .. Linear(s, prefix + ".up_proj", intermediate, s.Hidden, role),
        .. Linear(s, prefix + ".down_proj", s.Hidden, intermediate, role),
    ];

    /// <summary>One Linear layer's tensors, [out, in], in the stored form the format gives its role.</summary>
    private static IEnumerable<PlannedTensor> Linear(CheckpointSpec s, string module, int outputs, int inputs, TensorRole role)
    {
        float std = 1 / MathF.Sqrt(inputs);
        long parameters = (long)outputs * inputs;
        if (s.Format == CheckpointFormat.Int4 && role == TensorRole.RoutedExperts)
        {
            float scale = (float)(std / Int4Rms);
            return
            [
                new(module + ".weight_packed", SafetensorsDType.I32, [outputs, inputs / 8], role, TensorFill.Int4Nibbles, parameters),
                new(module + ".weight_scale", SafetensorsDType.BF16, [outputs, (inputs + s.GroupSize - 1) / s.GroupSize], role, TensorFill.Bf16Uniform, 0, scale, scale * ScaleJitter),
                new(module + ".weight_shape", SafetensorsDType.I32, [2], role, TensorFill.Int32Constant, 0, Constant: [outputs, inputs]),
            ];
        }
        if (s.Format == CheckpointFormat.Fp8)
        {
            float scale = (float)(std / Fp8E4M3.UniformRms);
            return
            [
                new(module + ".weight", SafetensorsDType.F8E4M3, [outputs, inputs], role, TensorFill.Fp8Codes, parameters),
                new(module + ".weight_scale_inv", SafetensorsDType.F32, [Blocks(outputs), Blocks(inputs)], role, TensorFill.F32Uniform, 0, scale, scale * ScaleJitter),
            ];
        }
        return [Bf16(module + ".weight", [outputs, inputs], role, 0, std * Sqrt3)];
    }

    /// <summary>weight_block_size [128, 128]; a partial last block has a scale of its own.</summary>
    private static long Blocks(int size) => (size + 127) / 128;

    private static PlannedTensor Norm(string name, int size) =>
        Bf16(name, [size], TensorRole.Norm, 1, 0.1f);

    private static PlannedTensor Bf16(string name, long[] shape, TensorRole role, float center, float spread) =>
        new(name, SafetensorsDType.BF16, shape, role, TensorFill.Bf16Uniform, shape.Aggregate(1L, (a, b) => a * b), center, spread);

    /// <summary>Half-width of the uniform distribution with std 1/sqrt(inputs).</summary>
    private static float Spread(int inputs) => Sqrt3 / MathF.Sqrt(inputs);
}
