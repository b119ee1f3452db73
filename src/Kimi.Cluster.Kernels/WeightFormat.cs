namespace Kimi.Cluster.Kernels;

/// <summary>
/// How a weight matrix W[out, in] is stored, exactly as the checkpoint holds it; the kernels read
/// every format in place and dequantize on the fly.
/// </summary>
public enum WeightFormat
{
    /// <summary>float32 [out, in].</summary>
    Float32,

    /// <summary>bf16 bits [out, in]; value = bits &lt;&lt; 16 as float32.</summary>
    BFloat16,

    /// <summary>
    /// compressed-tensors pack-quantized symmetric int4: int32 [out, in/8], eight nibbles per word
    /// along the input, least significant first, each q + 8; bf16 scales [out, in/group].
    /// </summary>
    Int4Group,

    /// <summary>
    /// FP8 E4M3FN [out, in] with float32 scales [ceil(out/blockRows), ceil(in/blockColumns)]
    /// (weight_scale_inv: weight = fp8 × scale).
    /// </summary>
    Fp8Block,

    /// <summary>IEEE 754 half bits [out, in] (F16); decoded exactly to float32 (every half is a float).</summary>
    Float16,
}
