namespace Kimi.Cluster.Tests.Shared.Reference;

/// <summary>Element types the tiny checkpoints can store (safetensors dtype names via <see cref="DtypeCodec"/>).</summary>
public enum StoredDtype
{
    BF16,
    F16,
    F32,
    /// <summary>
    /// "F8_E4M3" (the FN variant: no infinities, max 448): FP8 block-quantized weights, or alone
    /// (no scale tensor) in negative tests.
    /// </summary>
    F8E4M3,
    /// <summary>"I32": the packed INT4 words and weight_shape of compressed-tensors checkpoints.</summary>
    I32,
}
