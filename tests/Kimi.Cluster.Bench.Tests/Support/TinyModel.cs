namespace Kimi.Cluster.Bench.Tests.Support;

/// <summary>
/// The tiny model the checkpoint tests write, and the tensors a Kimi K2 checkpoint of its size
/// must hold, spelled out from the Hugging Face DeepSeek-V3 layout rather than taken from the generator.
/// </summary>
internal static class TinyModel
{
    public const int Hidden = 64, Layers = 2, Experts = 8, TopK = 2, MoeIntermediate = 32, Vocab = 128, Heads = 2,
        KvLora = 32, Nope = 16, Rope = 8, VHead = 16, GroupSize = 32;

    public static string[] Args(string directory, string format, int intermediate = 64, int qLora = 32) =>
    [
        "checkpoint", "--output", directory, "--format", format,
        "--hidden", "64", "--layers", "2", "--experts", "8", "--top-k", "2", "--moe-intermediate", "32",
        "--intermediate", $"{intermediate}", "--vocab", "128", "--heads", "2", "--q-lora-rank", $"{qLora}",
        "--kv-lora-rank", "32", "--qk-nope", "16", "--qk-rope", "8", "--v-head", "16",
    ];

    /// <summary>Name → (dtype, shape) of every tensor, for first_k_dense_replace 1 and one shared expert.</summary>
    public static Dictionary<string, (string DType, long[] Shape)> Expected(string format, int intermediate = 64, int qLora = 32)
    {
        var expected = new Dictionary<string, (string, long[])>
        {
            ["model.embed_tokens.weight"] = ("BF16", [Vocab, Hidden]),
            ["model.norm.weight"] = ("BF16", [Hidden]),
            ["lm_head.weight"] = ("BF16", [Vocab, Hidden]),
        };
        for (int layer = 0; layer < Layers; layer++)
        {
            string p = $"model.layers.{layer}";
            expected[$"{p}.input_layernorm.weight"] = ("BF16", [Hidden]);
            expected[$"{p}.post_attention_layernorm.weight"] = ("BF16", [Hidden]);
            if (qLora > 0)
            {
                Linear(expected, format, $"{p}.self_attn.q_a_proj", qLora, Hidden, expert: false);
                expected[$"{p}.self_attn.q_a_layernorm.weight"] = ("BF16", [qLora]);
                Linear(expected, format, $"{p}.self_attn.q_b_proj", Heads * (Nope + Rope), qLora, expert: false);
            }
            else
            {
                Linear(expected, format, $"{p}.self_attn.q_proj", Heads * (Nope + Rope), Hidden, expert: false);
            }
            Linear(expected, format, $"{p}.self_attn.kv_a_proj_with_mqa", KvLora + Rope, Hidden, expert: false);
            expected[$"{p}.self_attn.kv_a_layernorm.weight"] = ("BF16", [KvLora]);
            Linear(expected, format, $"{p}.self_attn.kv_b_proj", Heads * (Nope + VHead), KvLora, expert: false);
            Linear(expected, format, $"{p}.self_attn.o_proj", Hidden, Heads * VHead, expert: false);
            if (layer == 0)
            {
                Mlp(expected, format, $"{p}.mlp", intermediate, expert: false);
                continue;
            }
            expected[$"{p}.mlp.gate.weight"] = ("BF16", [Experts, Hidden]);
            expected[$"{p}.mlp.gate.e_score_correction_bias"] = ("F32", [Experts]);
            Mlp(expected, format, $"{p}.mlp.shared_experts", MoeIntermediate, expert: false);
            for (int e = 0; e < Experts; e++)
                Mlp(expected, format, $"{p}.mlp.experts.{e}", MoeIntermediate, expert: true);
        }
        return expected;
    }

    private static void Mlp(Dictionary<string, (string, long[])> expected, string format, string prefix, int intermediate, bool expert)
    {
        Linear(expected, format, prefix + ".gate_proj", intermediate, Hidden, expert);
        Linear(expected, format, prefix + ".up_proj", intermediate, Hidden, expert);
        Linear(expected, format, prefix + ".down_proj", Hidden, intermediate, expert);
    }

    private static void Linear(Dictionary<string, (string, long[])> expected, string format, string module, int outputs, int inputs, bool expert)
    {
        switch (format)
        {
            case "int4" when expert:
                expected[module + ".weight_packed"] = ("I32", [outputs, inputs / 8]);
                expected[module + ".weight_scale"] = ("BF16", [outputs, (inputs + GroupSize - 1) / GroupSize]);
                expected[module + ".weight_shape"] = ("I32", [2]);
                break;
            case "fp8":
                expected[module + ".weight"] = ("F8_E4M3", [outputs, inputs]);
                expected[module + ".weight_scale_inv"] = ("F32", [(outputs + 127) / 128, (inputs + 127) / 128]);
                break;
            default:
                expected[module + ".weight"] = ("BF16", [outputs, inputs]);
                break;
        }
    }
}
