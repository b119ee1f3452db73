namespace Kimi.Cluster.Bench.Checkpoints;

/// <summary>How the generated checkpoint stores its Linear weights, as the real Kimi K2 releases do.</summary>
public enum CheckpointFormat
{
    /// <summary>Every tensor BF16 (the router's score bias F32), like an unquantized export.</summary>
    Bf16,

    /// <summary>Routed experts as compressed-tensors pack-quantized INT4, the rest BF16 (K2-Thinking, K2.5).</summary>
    Int4,

    /// <summary>Attention and MLP Linears as block FP8 E4M3 with float32 scales (K2-Instruct, DeepSeek-V3).</summary>
    Fp8,
}
