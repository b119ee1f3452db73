namespace Kimi.Cluster.Tests.Shared.Reference;

/// <summary>
/// Quantizes one [out, in] Linear weight the way the released checkpoints store it. The
/// dequantized values are computed from the scales as stored (after their own rounding), so the
/// reference holds exactly what a correct loader reconstructs from the file.
/// </summary>
public static class WeightQuantizer
{
    /// <summary>float32 epsilon (2^-23), which compressed-tensors puts in place of a zero scale; exact in bf16.</summary>
    public const double ZeroScaleSubstitute = 1.1920928955078125e-07;

    /// <summary>The largest finite E4M3FN magnitude.</summary>
    public const double Fp8Max = 448.0;

    /// <summary>
    /// compressed-tensors pack-quantized INT4, symmetric, per row and group of
    /// <paramref name="groupSize"/> inputs (the last group of a row shorter where the size does not divide the row): scale = round_to_scale_dtype(max|w| / divisor),
    /// q = clamp(round_half_even(w / scale), −8, 7). Word k of a row holds inputs 8k..8k+7,
    /// least significant nibble first, each nibble q + 8.
    /// </summary>
    public static QuantizedWeight Int4Group(
        double[] w, int rows, int cols, int groupSize, StoredDtype scaleDtype = StoredDtype.BF16, double scaleDivisor = 7.0)
    {
        ArgumentNullException.ThrowIfNull(w);
        CheckFloat(scaleDtype);
        if (groupSize <= 0 || groupSize % 8 != 0 || cols % 8 != 0 || w.Length != rows * cols)
        {
            throw new ArgumentException($"cannot INT4-pack [{rows}, {cols}] in groups of {groupSize}: in-features and the group size must be multiples of 8");
        }
        // ⌈cols / group⌉ groups a row, the last one shorter where the group does not divide cols (as compressed-tensors lays it out).
        int groups = (cols + groupSize - 1) / groupSize, wordsPerRow = cols / 8;
        var scales = new double[rows * groups];
        var words = new uint[rows * wordsPerRow];
        var dequantized = new double[w.Length];
        for (int r = 0; r < rows; r++)
        {
            for (int g = 0; g < groups; g++)
            {
                int start = r * cols + g * groupSize, length = Math.Min(groupSize, cols - g * groupSize);
                double amax = 0;
                for (int j = 0; j < length; j++)
                {
                    amax = Math.Max(amax, Math.Abs(w[start + j]));
                }
                double scale = DtypeCodec.Round(amax / scaleDivisor, scaleDtype);
                if (scale == 0)
                {
                    scale = ZeroScaleSubstitute;
                }
                scales[r * groups + g] = scale;
                for (int j = 0; j < length; j++)
                {
                    int col = g * groupSize + j;
                    int q = (int)Math.Clamp(Math.Round(w[start + j] / scale, MidpointRounding.ToEven), -8, 7);
                    dequantized[start + j] = q * scale;
                    words[r * wordsPerRow + col / 8] |= (uint)(q + 8) << (4 * (col % 8));
                }
            }
        }
        return new QuantizedWeight(dequantized, StoredDtype.I32,
        [
            new("weight_packed", StoredDtype.I32, [rows, wordsPerRow], DtypeCodec.Encode(words.Select(u => (double)unchecked((int)u)).ToArray(), StoredDtype.I32)),
            new("weight_scale", scaleDtype, [rows, groups], DtypeCodec.Encode(scales, scaleDtype)),
            new("weight_shape", StoredDtype.I32, [2], DtypeCodec.Encode([rows, cols], StoredDtype.I32)),
        ]);
    }

    /// <summary>
    /// DeepSeek-V3 FP8: per <paramref name="blockSize"/>² block (partial at the edges),
    /// scale = max|w| / 448 in float32 (1 for an all-zero block), code = E4M3FN(w / scale) rounded
    /// to nearest even; the stored weight_scale_inv is that scale (dequant = code · scale_inv).
    /// </summary>
    public static QuantizedWeight Fp8Block(
        double[] w, int rows, int cols, int blockSize = 128, StoredDtype scaleDtype = StoredDtype.F32)
    {
        ArgumentNullException.ThrowIfNull(w);
        CheckFloat(scaleDtype);
        if (blockSize <= 0 || w.Length != rows * cols)
        {
            throw new ArgumentException($"cannot FP8-quantize [{rows}, {cols}] in blocks of {blockSize}");
        }
        int blockRows = (rows + blockSize - 1) / blockSize, blockCols = (cols + blockSize - 1) / blockSize;
        var scales = new double[blockRows * blockCols];
        var codes = new byte[w.Length];
        var dequantized = new double[w.Length];
        for (int br = 0; br < blockRows; br++)
        {
            for (int bc = 0; bc < blockCols; bc++)
            {
                int r0 = br * blockSize, r1 = Math.Min(rows, r0 + blockSize);
                int c0 = bc * blockSize, c1 = Math.Min(cols, c0 + blockSize);
                float amax = 0;
                for (int r = r0; r < r1; r++)
                {
                    for (int c = c0; c < c1; c++)
                    {
                        amax = Math.Max(amax, Math.Abs((float)w[r * cols + c]));
                    }
                }
                // float32 arithmetic, as torch computes amax / 448 on a float32 tensor.
                float scale = (float)DtypeCodec.Round(amax / (float)Fp8Max, scaleDtype);
                if (scale == 0)
                {
                    scale = 1;
                }
                scales[br * blockCols + bc] = scale;
                for (int r = r0; r < r1; r++)
                {
                    for (int c = c0; c < c1; c++)
                    {
                        int i = r * cols + c;
                        // w / scale can exceed 448 by an ulp (or more if the scale was rounded down
                        // to a narrower type); the encoder saturates, and the reference follows the byte.
                        codes[i] = DtypeCodec.ToF8E4M3((float)w[i] / scale);
                        dequantized[i] = DtypeCodec.FromF8E4M3(codes[i]) * scale;
                    }
                }
            }
        }
        return new QuantizedWeight(dequantized, StoredDtype.F8E4M3,
        [
            new("weight", StoredDtype.F8E4M3, [rows, cols], codes),
            new("weight_scale_inv", scaleDtype, [blockRows, blockCols], DtypeCodec.Encode(scales, scaleDtype)),
        ]);
    }

    private static void CheckFloat(StoredDtype scaleDtype)
    {
        if (scaleDtype is not (StoredDtype.BF16 or StoredDtype.F16 or StoredDtype.F32))
        {
            throw new ArgumentException($"scales cannot be stored as {scaleDtype}", nameof(scaleDtype));
        }
    }
}
