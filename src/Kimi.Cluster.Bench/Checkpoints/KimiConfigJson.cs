using System.Text.Json.Nodes;

namespace Kimi.Cluster.Bench.Checkpoints;

/// <summary>
/// config.json as Kimi K2's (model_type kimi_k2, DeepseekV3ForCausalLM) with the spec's sizes, and
/// the quantization_config of the format: compressed-tensors pack-quantized INT4 as K2-Thinking
/// ships it, or block FP8 as K2-Instruct does.
/// </summary>
public static class KimiConfigJson
{
    public static JsonObject Create(CheckpointSpec s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var config = new JsonObject
        {
            ["architectures"] = new JsonArray("DeepseekV3ForCausalLM"),
            ["model_type"] = "kimi_k2",
            ["vocab_size"] = s.Vocab,
            ["hidden_size"] = s.Hidden,
            ["intermediate_size"] = s.Intermediate,
            ["moe_intermediate_size"] = s.MoeIntermediate,
            ["num_hidden_layers"] = s.Layers,
            ["num_attention_heads"] = s.Heads,
            ["num_key_value_heads"] = s.Heads,
            ["n_routed_experts"] = s.Experts,
            ["num_experts_per_tok"] = s.TopK,
            ["n_shared_experts"] = s.SharedExperts,
            ["first_k_dense_replace"] = s.FirstDense,
            ["moe_layer_freq"] = 1,
            ["q_lora_rank"] = s.QLoraRank > 0 ? s.QLoraRank : null,
            ["kv_lora_rank"] = s.KvLoraRank,
            ["qk_nope_head_dim"] = s.QkNope,
            ["qk_rope_head_dim"] = s.QkRope,
            ["v_head_dim"] = s.VHead,
            ["hidden_act"] = "silu",
            ["rope_theta"] = 50000.0,
            ["rope_scaling"] = null,
            ["routed_scaling_factor"] = 2.827,
            ["rms_norm_eps"] = 1e-5,
            ["max_position_embeddings"] = s.MaxPositions,
            ["n_group"] = 1,
            ["topk_group"] = 1,
            ["topk_method"] = "noaux_tc",
            ["scoring_func"] = "sigmoid",
            ["norm_topk_prob"] = true,
            ["attention_bias"] = false,
            ["num_nextn_predict_layers"] = 0,
            ["tie_word_embeddings"] = false,
            ["torch_dtype"] = "bfloat16",
            // Small ids: the generated vocabulary has no tokenizer, so K2's 163584/163585 would not fit it.
            ["bos_token_id"] = 0,
            ["eos_token_id"] = 1,
        };
        if (Quantization(s) is { } quantization)
            config["quantization_config"] = quantization;
        return config;
    }

    private static JsonObject? Quantization(CheckpointSpec s) => s.Format switch
    {
        CheckpointFormat.Int4 => new JsonObject
        {
            ["config_groups"] = new JsonObject
            {
                ["group_0"] = new JsonObject
                {
                    ["input_activations"] = null,
                    ["output_activations"] = null,
                    ["targets"] = new JsonArray("Linear"),
                    ["weights"] = new JsonObject
                    {
                        ["actorder"] = null,
                        ["block_structure"] = null,
                        ["dynamic"] = false,
                        ["group_size"] = s.GroupSize,
                        ["num_bits"] = 4,
                        ["observer"] = "minmax",
                        ["observer_kwargs"] = new JsonObject(),
                        ["strategy"] = "group",
                        ["symmetric"] = true,
                        ["type"] = "int",
                    },
                },
            },
            ["format"] = "pack-quantized",
            // Everything but the routed experts stays BF16, as in K2-Thinking.
            ["ignore"] = new JsonArray("lm_head", @"re:.*self_attn.*", @"re:.*shared_experts.*", @"re:.*mlp\.(gate|up|gate_up|down)_proj.*"),
            ["kv_cache_scheme"] = null,
            ["quant_method"] = "compressed-tensors",
            ["quantization_status"] = "compressed",
        },
        CheckpointFormat.Fp8 => new JsonObject
        {
            ["activation_scheme"] = "dynamic",
            ["fmt"] = "e4m3",
            ["quant_method"] = "fp8",
            ["weight_block_size"] = new JsonArray(128, 128),
        },
        _ => null,
    };
}
