using Kimi.Cluster.Kernels.Formats;

namespace Kimi.Cluster.Kernels;

/// <summary>
/// FP8 E4M3FN (1 sign, 4 exponent bits with bias 7, 3 mantissa bits; subnormals at exponent 0;
/// 0x7F and 0xFF are NaN; no infinities) to float32: the scalar definition and the table of all 256
/// patterns. The SIMD kernels decode by bit placement instead and are tested against this table.
/// </summary>
public static class Fp8E4M3
{
    private static readonly float[] s_table = BuildTable();

    /// <summary>The two NaN patterns: every magnitude bit set, either sign.</summary>
    public const byte NanBits = 0x7F, NegativeNanBits = 0xFF;

    /// <summary>float32 value of every byte pattern, indexed by the byte.</summary>
    public static ReadOnlySpan<float> Table => s_table;

    /// <summary>The float32 value of one E4M3FN byte.</summary>
    public static float ToFloat(byte bits) => s_table[bits];

    private static float[] BuildTable()
    {
        var table = new float[256];
        for (int b = 0; b < 256; b++)
        {
            table[b] = Decode((byte)b);
        }
        return table;
    }

    private static float Decode(byte b)
    {
        if ((b & NanBits) == NanBits)
        {
            return float.NaN;
        }
        // Placing the 7 magnitude bits at float32's exponent/mantissa boundary gives 2^(e-127)·(1+m/8)
        // (or 2^-126·m/8 when e = 0); scaling by 2^120 rebiases 127 to 7, subnormals included.
        float magnitude = BitConverter.Int32BitsToSingle((b & 0x7F) << 20) * FloatBits.TwoPow120;
        return (b & 0x80) != 0 ? -magnitude : magnitude;
    }
}
