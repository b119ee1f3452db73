namespace Kimi.Cluster.Model.Configuration;

/// <summary>How a checkpoint stores its quantized Linear weights.</summary>
public enum QuantizationScheme
{
    /// <summary>No quantization_config: every tensor is bf16, f16 or f32.</summary>
    None,

    /// <summary>compressed-tensors pack-quantized: symmetric INT4, one bf16 scale per group of inputs.</summary>
    Int4Group,

    /// <summary>quant_method fp8: e4m3 weights, one float32 scale per block (weight_scale_inv).</summary>
    Fp8Block,
}
