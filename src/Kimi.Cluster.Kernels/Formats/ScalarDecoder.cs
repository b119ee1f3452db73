namespace Kimi.Cluster.Kernels.Formats;

/// <summary>
/// Dequantizes part of one weight row to float32 in natural column order, one value at a time:
/// the definition every SIMD path must match, the row decode behind embedding lookups and the
/// decoder of the portable path.
/// </summary>
internal static unsafe class ScalarDecoder
{
    /// <summary>Writes W[row, k0 .. k0+length) to <paramref name="destination"/>.</summary>
    public static void Decode(WeightMatrix w, int row, int k0, int length, float* destination)
    {
        byte* rowData = (byte*)w.Data + w.Shape.RowBytes * row;
        switch (w.Format)
        {
            case WeightFormat.Float32:
                Buffer.MemoryCopy((float*)rowData + k0, destination, 4L * length, 4L * length);
                break;
            case WeightFormat.BFloat16:
                DecodeBFloat16((ushort*)rowData + k0, length, destination);
                break;
            case WeightFormat.Int4Group:
                DecodeInt4(w, (uint*)rowData, row, k0, length, destination);
                break;
            default:
                DecodeFp8(w, rowData, row, k0, length, destination);
                break;
        }
    }

    private static void DecodeBFloat16(ushort* source, int length, float* destination)
    {
        for (int i = 0; i < length; i++)
        {
            destination[i] = FloatBits.BFloat16ToSingle(source[i]);
        }
    }

    private static void DecodeInt4(WeightMatrix w, uint* words, int row, int k0, int length, float* destination)
    {
        int group = w.Shape.GroupSize;
        ushort* scales = (ushort*)w.Scales + (long)row * w.Shape.ScaleColumns;
        for (int i = 0; i < length; i++)
        {
            int column = k0 + i;
            int nibble = (int)(words[column >> 3] >> (4 * (column & 7))) & 0xF;
            destination[i] = (nibble - 8) * FloatBits.BFloat16ToSingle(scales[column / group]);
        }
    }

    private static void DecodeFp8(WeightMatrix w, byte* bytes, int row, int k0, int length, float* destination)
    {
        var shape = w.Shape;
        float* scales = (float*)w.Scales + (long)(row / shape.BlockRows) * shape.ScaleColumns;
        ReadOnlySpan<float> table = Fp8E4M3.Table;
        for (int i = 0; i < length; i++)
        {
            int column = k0 + i;
            destination[i] = table[bytes[column]] * scales[column / shape.BlockColumns];
        }
    }
}
