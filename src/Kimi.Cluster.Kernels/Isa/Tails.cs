using System.Runtime.CompilerServices;
using Kimi.Cluster.Kernels.Formats;

namespace Kimi.Cluster.Kernels.Isa;

/// <summary>Scalar remainders of the vector loops: the last few columns no whole vector covers.</summary>
internal static unsafe class Tails
{
    /// <summary>Σ a[k]·b[k] for k in [from, to).</summary>
    public static float Dot(float* a, float* b, int from, int to)
    {
        float sum = 0f;
        for (int k = from; k < to; k++)
        {
            sum += a[k] * b[k];
        }
        return sum;
    }

    /// <summary>
    /// Adds Σ_k w[r, k]·x[t, k] over k in [from, to) to result[t·4 + r] for 4 rows (stride
    /// <paramref name="wStride"/>) and <paramref name="tokens"/> inputs (stride <paramref name="xStride"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void AddDots(float* result, float* w, int wStride, float* x, int xStride, int tokens, int from, int to)
    {
        for (int t = 0; t < tokens; t++)
        {
            for (int r = 0; r < 4; r++)
            {
                result[t * 4 + r] += Dot(w + (long)r * wStride, x + (long)t * xStride, from, to);
            }
        }
    }

    /// <summary>
    /// Adds Σ_k W[row0 + r, k]·x[t, k] over k in [from, Columns) to y[t·yStride + r] for 4 rows and
    /// <paramref name="tokens"/> inputs (stride Columns): the columns past a multi-token kernel's
    /// last whole vector, which every layout keeps in natural order.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void AddDecodedDots(WeightMatrix w, int row0, float* x, int tokens, int from, float* y, int yStride)
    {
        int length = w.Columns - from;
        float* decoded = stackalloc float[length];
        for (int r = 0; r < 4; r++)
        {
            ScalarDecoder.Decode(w, row0 + r, from, length, decoded);
            for (int t = 0; t < tokens; t++)
            {
                y[(long)t * yStride + r] += Dot(decoded - from, x + (long)t * w.Columns, from, w.Columns);
            }
        }
    }

    /// <summary>Σ bf16(w[k])·x[k] for k in [from, to).</summary>
    public static float DotBFloat16(ushort* w, float* x, int from, int to)
    {
        float sum = 0f;
        for (int k = from; k < to; k++)
        {
            sum += FloatBits.BFloat16ToSingle(w[k]) * x[k];
        }
        return sum;
    }

    /// <summary>Adds to result[r] row r's Σ bf16(w[r, k])·x[k] for k in [from, columns), for the four rows from <paramref name="w"/>.</summary>
    public static void AddBFloat16Rows(float* result, ushort* w, int columns, float* x, int from)
    {
        for (int r = 0; r < 4 && from < columns; r++)
        {
            result[r] += DotBFloat16(w + (long)r * columns, x, from, columns);
        }
    }

    /// <summary>Adds to result[r] row r's Σ f16(w[r, k])·x[k] for k in [from, columns), for the four rows from <paramref name="w"/>.</summary>
    public static void AddFloat16Rows(float* result, ushort* w, int columns, float* x, int from)
    {
        for (int r = 0; r < 4 && from < columns; r++)
        {
            ushort* row = w + (long)r * columns;
            float sum = 0f;
            for (int k = from; k < columns; k++)
            {
                sum += (float)BitConverter.UInt16BitsToHalf(row[k]) * x[k];
            }
            result[r] += sum;
        }
    }

    /// <summary>Σ fp8(w[k])·x[k] for k in [from, to).</summary>
    public static float DotFp8(byte* w, float* x, int from, int to)
    {
        float sum = 0f;
        ReadOnlySpan<float> table = Fp8E4M3.Table;
        for (int k = from; k < to; k++)
        {
            sum += table[w[k]] * x[k];
        }
        return sum;
    }

    /// <summary>
    /// Adds, for rows row0..row0+3 of an FP8 matrix, the columns of each block past its last whole
    /// vector of <paramref name="width"/> bytes, times the block's scale, to result[r].
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void AddFp8BlockRemainders(WeightMatrix w, int row0, float* x, int width, float* result)
    {
        var shape = w.Shape;
        int columns = shape.Columns, block = shape.BlockColumns;
        for (int r = 0; r < 4; r++)
        {
            byte* row = (byte*)w.Data + (long)(row0 + r) * columns;
            float* scales = (float*)w.Scales + (long)((row0 + r) / shape.BlockRows) * shape.ScaleColumns;
            for (int b0 = 0, b = 0; b0 < columns; b0 += block, b++)
            {
                int b1 = Math.Min(columns, b0 + block);
                result[r] += DotFp8(row, x, b0 + (b1 - b0) / width * width, b1) * scales[b];
            }
        }
    }

    /// <summary>Σ (nibble−8)·scale·x over the words [fromWord, toWord) of an int4 row; x in natural order.</summary>
    public static float DotInt4(uint* words, float* scales, int group, float* x, int fromWord, int toWord)
    {
        float sum = 0f;
        for (int word = fromWord; word < toWord; word++)
        {
            uint bits = words[word];
            for (int j = 0; j < 8; j++)
            {
                int column = word * 8 + j;
                sum += ((int)((bits >> (4 * j)) & 0xF) - 8) * scales[column / group] * x[column];
            }
        }
        return sum;
    }
}
