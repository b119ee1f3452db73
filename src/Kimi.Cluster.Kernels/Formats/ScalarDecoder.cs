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
            case WeightFormat.Float16:
                DecodeFloat16((ushort*)rowData + k0, length, destination);
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

    private static void DecodeFloat16(ushort* source, int length, float* destination)
    {
        for (int i = 0; i < length; i++)
        {
            destination[i] = (float)BitConverter.UInt16BitsToHalf(source[i]);
        }
    }

    private static void DecodeInt4(WeightMatrix w, uint* words, int row, int k0, int length, float* destination)
    {
        int group = w.Shape.GroupSize, end = k0 + length;
        ushort* scales = (ushort*)w.Scales + (long)row * w.Shape.ScaleColumns;
        // One scale per group, hoisted: a division per value would dominate the portable path.
        for (int start = k0; start < end;)
        {
            int g = start / group, stop = Math.Min(end, (g + 1) * group);
            float scale = FloatBits.BFloat16ToSingle(scales[g]);
            for (int column = start; column < stop; column++)
            {
                int nibble = (int)(words[column >> 3] >> (4 * (column & 7))) & 0xF;
                destination[column - k0] = (nibble - 8) * scale;
            }
            start = stop;
        }
    }

    private static void DecodeFp8(WeightMatrix w, byte* bytes, int row, int k0, int length, float* destination)
    {
        var shape = w.Shape;
        int block = shape.BlockColumns, end = k0 + length;
        float* scales = (float*)w.Scales + (long)(row / shape.BlockRows) * shape.ScaleColumns;
        ReadOnlySpan<float> table = Fp8E4M3.Table;
        for (int start = k0; start < end;)
        {
            int b = start / block, stop = Math.Min(end, (b + 1) * block);
            float scale = scales[b];
            for (int column = start; column < stop; column++)
            {
                destination[column - k0] = table[bytes[column]] * scale;
            }
            start = stop;
        }
    }
}
