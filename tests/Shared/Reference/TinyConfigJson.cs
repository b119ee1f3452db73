using System.Text;
using System.Text.Json;

namespace Kimi.Cluster.Tests.Shared.Reference;

/// <summary>config.json text for a spec, with the exact Hugging Face field names.</summary>
public static class TinyConfigJson
{
    /// <summary>
    /// The config for <paramref name="spec"/>; with <paramref name="quantization"/> it carries a
    /// "quantization_config" among the text fields: at the top level, or inside "text_config" for
    /// the K2.5 layout, where Moonshot's release puts it.
    /// </summary>
    /// <param name="torchDtype">config.json's torch_dtype: the type the checkpoint's unquantized weights are stored in.</param>
    public static string Build(TinyModelSpec spec, CheckpointQuantization? quantization = null, string torchDtype = "bfloat16")
    {
        ArgumentNullException.ThrowIfNull(spec);
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            if (spec.NestedK25)
            {
                // Kimi K2.5 wraps the K2 text config; the text model must read text_config.
                json.WriteStartArray("architectures");
                json.WriteStringValue("KimiK25ForConditionalGeneration");
                json.WriteEndArray();
                json.WriteString("model_type", "kimi_k25");
                json.WriteString("torch_dtype", torchDtype);
                json.WriteStartObject("text_config");
                WriteTextFields(json, spec with { ModelType = "kimi_k2" }, quantization, torchDtype);
                json.WriteEndObject();
                json.WriteStartObject("vision_config");
                if (spec.Vision is { } vision)
                {
                    WriteVisionFields(json, vision, spec.HiddenSize);
                }
                else
                {
                    json.WriteString("model_type", "moonvit");
                    json.WriteNumber("hidden_size", 16);
                    json.WriteNumber("patch_size", 2);
                    json.WriteNumber("num_hidden_layers", 1);
                    json.WriteNumber("num_attention_heads", 2);
                    json.WriteNumber("intermediate_size", 32);
                }
                json.WriteEndObject();
            }
            else
            {
                WriteTextFields(json, spec, quantization, torchDtype);
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Kimi K2.5's vision_config fields, in the release's (alphabetical) order.</summary>
    private static void WriteVisionFields(Utf8JsonWriter json, TinyVisionSpec vision, int textHidden)
    {
        json.WriteString("_attn_implementation", "flash_attention_2");
        json.WriteNumber("init_pos_emb_height", vision.InitPosEmbHeight);
        json.WriteNumber("init_pos_emb_time", vision.InitPosEmbTime);
        json.WriteNumber("init_pos_emb_width", vision.InitPosEmbWidth);
        json.WriteStartArray("merge_kernel_size");
        json.WriteNumberValue(2);
        json.WriteNumberValue(2);
        json.WriteEndArray();
        json.WriteString("merge_type", "sd2_tpool");
        json.WriteNumber("mm_hidden_size", vision.HiddenSize);
        json.WriteString("mm_projector_type", "patchmerger");
        json.WriteNumber("patch_size", vision.PatchSize);
        json.WriteString("pos_emb_type", "divided_fixed");
        json.WriteString("projector_hidden_act", "gelu");
        json.WriteNumber("projector_ln_eps", vision.ProjectorLnEps);
        json.WriteNumber("text_hidden_size", textHidden);
        json.WriteString("video_attn_type", "spatial_temporal");
        json.WriteNumber("vt_hidden_size", vision.HiddenSize);
        json.WriteNumber("vt_intermediate_size", vision.IntermediateSize);
        json.WriteNumber("vt_num_attention_heads", vision.NumAttentionHeads);
        json.WriteNumber("vt_num_hidden_layers", vision.NumHiddenLayers);
    }

    private static void WriteTextFields(Utf8JsonWriter json, TinyModelSpec spec, CheckpointQuantization? quantization, string torchDtype)
    {
        json.WriteStartArray("architectures");
        json.WriteStringValue("DeepseekV3ForCausalLM");
        json.WriteEndArray();
        json.WriteString("model_type", spec.ModelType);
        json.WriteNumber("vocab_size", spec.VocabSize);
        json.WriteNumber("hidden_size", spec.HiddenSize);
        json.WriteNumber("intermediate_size", spec.IntermediateSize);
        json.WriteNumber("moe_intermediate_size", spec.MoeIntermediateSize);
        json.WriteNumber("num_hidden_layers", spec.NumHiddenLayers);
        json.WriteNumber("num_attention_heads", spec.NumAttentionHeads);
        json.WriteNumber("num_key_value_heads", spec.NumAttentionHeads);
        json.WriteNumber("n_routed_experts", spec.NRoutedExperts);
        json.WriteNumber("num_experts_per_tok", spec.NumExpertsPerTok);
        json.WriteNumber("n_shared_experts", spec.NSharedExperts);
        json.WriteNumber("first_k_dense_replace", spec.FirstKDenseReplace);
        json.WriteNumber("moe_layer_freq", spec.MoeLayerFreq);
        if (spec.QLoraRank is int qLora)
        {
            json.WriteNumber("q_lora_rank", qLora);
        }
        else
        {
            json.WriteNull("q_lora_rank");
        }
        json.WriteNumber("kv_lora_rank", spec.KvLoraRank);
        json.WriteNumber("qk_nope_head_dim", spec.QkNopeHeadDim);
        json.WriteNumber("qk_rope_head_dim", spec.QkRopeHeadDim);
        json.WriteNumber("v_head_dim", spec.VHeadDim);
        json.WriteNumber("rope_theta", spec.RopeTheta);
        if (spec.RopeScaling is { } yarn)
        {
            json.WriteStartObject("rope_scaling");
            json.WriteString("type", "yarn");
            json.WriteNumber("factor", yarn.Factor);
            json.WriteNumber("original_max_position_embeddings", yarn.OriginalMaxPositionEmbeddings);
            json.WriteNumber("beta_fast", yarn.BetaFast);
            json.WriteNumber("beta_slow", yarn.BetaSlow);
            json.WriteNumber("mscale", yarn.Mscale);
            json.WriteNumber("mscale_all_dim", yarn.MscaleAllDim);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("rope_scaling");
        }
        json.WriteNumber("routed_scaling_factor", spec.RoutedScalingFactor);
        json.WriteNumber("rms_norm_eps", spec.RmsNormEps);
        json.WriteNumber("max_position_embeddings", spec.MaxPositionEmbeddings);
        json.WriteNumber("n_group", spec.NGroup);
        json.WriteNumber("topk_group", spec.TopkGroup);
        json.WriteString("topk_method", spec.TopkMethod);
        json.WriteString("scoring_func", spec.ScoringFunc);
        json.WriteBoolean("norm_topk_prob", spec.NormTopkProb);
        json.WriteBoolean("tie_word_embeddings", false);
        json.WriteNumber("bos_token_id", spec.BosTokenId);
        json.WriteNumber("eos_token_id", spec.EosTokenId);
        json.WriteString("torch_dtype", torchDtype);
        if (quantization is { OmitFromConfig: false })
        {
            json.WritePropertyName("quantization_config");
            quantization.ConfigJson().WriteTo(json);
        }
    }
}
