namespace Kimi.Cluster.Model.Configuration.Capacity;

/// <summary>
/// Bytes of one matrix in each form the workers hold weights in: INT4 packed nibbles plus bf16
/// group scales, FP8 plus float32 block scales, BF16, F16, F32.
/// </summary>
public static class WeightForms
{
    public const string Int4 = "INT4", Fp8 = "FP8", BFloat16 = "BF16", Float16 = "F16", Float32 = "F32";

    public static long Bytes(string form, long rows, long columns, WeightQuantization quantization)
    {
        ArgumentNullException.ThrowIfNull(quantization);
        return form switch
        {
            Int4 => rows * columns / 2 + rows * Ceiling(columns, quantization.GroupSize) * 2,
            Fp8 => rows * columns + Ceiling(rows, quantization.BlockRows) * Ceiling(columns, quantization.BlockColumns) * 4,
            BFloat16 or Float16 => rows * columns * 2,
            _ => rows * columns * 4,
        };
    }

    /// <summary>The form unquantized tensors are held in, from config.json's torch_dtype (or dtype).</summary>
    public static string OfDtype(string? dtype) => dtype switch
    {
        null or "bfloat16" => BFloat16,
        "float16" => Float16,
        _ => Float32,
    };

    private static long Ceiling(long value, long divisor) => (value + divisor - 1) / divisor;
}
