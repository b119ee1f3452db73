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
