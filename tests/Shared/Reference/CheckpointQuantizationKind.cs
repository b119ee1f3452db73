namespace Kimi.Cluster.Tests.Shared.Reference;

/// <summary>The two quantized layouts Moonshot and DeepSeek publish.</summary>
public enum CheckpointQuantizationKind
{
    /// <summary>
    /// compressed-tensors "pack-quantized" INT4 with one bf16 scale per group of inputs
    /// (Kimi K2-Thinking, K2.5): routed experts only.
    /// </summary>
    Int4Group,

    /// <summary>FP8 E4M3 with one float32 scale per 128×128 block (DeepSeek-V3, Kimi K2-Instruct).</summary>
    Fp8Block,
}
