namespace Kimi.Cluster.Bench.Checkpoints;

/// <summary>How a tensor's bytes are generated; see <see cref="RandomTensorData"/>.</summary>
public enum TensorFill
{
    /// <summary>BF16 values uniform in center ± spread.</summary>
    Bf16Uniform,

    /// <summary>F32 values uniform in center ± spread.</summary>
    F32Uniform,

    /// <summary>F32 values uniform in center ± spread, plus 1 at the indices listed in Constant (a routing bias favouring those experts).</summary>
    F32UniformRaised,

    /// <summary>I32 words of eight random INT4 nibbles, each q + 8 with q uniform in -7..7 (symmetric, as minmax quantization gives).</summary>
    Int4Nibbles,

    /// <summary>F8_E4M3 codes of values uniform over the format's finite range, never NaN.</summary>
    Fp8Codes,

    /// <summary>I32 values given verbatim (an INT4 matrix's weight_shape).</summary>
    Int32Constant,
}
