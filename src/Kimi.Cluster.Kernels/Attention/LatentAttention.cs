using System.Numerics;
using System.Runtime.CompilerServices;
using Kimi.Cluster.Kernels.Rows;

namespace Kimi.Cluster.Kernels.Attention;

/// <summary>
/// The arithmetic of MLA decode attention in the absorbed form for one token and a block of up to
/// <see cref="HeadBlock"/> heads: score[h, s] = scale·(q_latent[h]·latent_s + q_rope[h]·rope_key_s)
/// over the token's cached rows s, out[h] = Σ softmax(score[h])[s]·latent_s. A decode query sees its
/// whole cache, so nothing is masked. The heads of a block share each row load, and each of their
/// sums has its own accumulators, so the loops are bound by multiply-adds, not by add latency.
/// </summary>
internal static unsafe class LatentAttention
{
    /// <summary>Heads computed together per row pass.</summary>
    public const int HeadBlock = 4;

    /// <summary>Latent floats kept in registers per head while the weighted sum walks the rows.</summary>
    private static int Chunk => 2 * Vector<float>.Count;

    [ThreadStatic] private static float[]? t_scores;

    /// <param name="queryLatents">Head h's query latent at queryLatents + h·latentStride.</param>
    /// <param name="queryRopes">Head h's rope query at queryRopes + h·ropeStride.</param>
    /// <param name="outputs">Head h's output at outputs + h·latentStride.</param>
    public static void Attend(int heads, float* queryLatents, long latentStride, float* queryRopes, long ropeStride,
        int latentWidth, int ropeWidth, float* rows, ReadOnlySpan<int> slots, float scale, float* outputs)
    {
        int rowWidth = latentWidth + ropeWidth, count = slots.Length;
        var scores = Scores(heads * count);
        for (int s = 0; s < count; s++)
        {
            float* row = rows + (long)slots[s] * rowWidth;
            for (int h = 0; h < heads; h++)
            {
                // Heads of the block one after another over the same row: it stays in L1.
                scores[h * count + s] = (Dot(queryLatents + h * latentStride, row, latentWidth)
                    + Dot(queryRopes + h * ropeStride, row + latentWidth, ropeWidth)) * scale;
            }
        }
        for (int h = 0; h < heads; h++)
            RowOps.SoftmaxInPlace(scores.Slice(h * count, count));
        WeightedSum(heads, scores, count, rows, rowWidth, slots, latentWidth, outputs, latentStride);
    }

    private static Span<float> Scores(int count)
    {
        if (t_scores is null || t_scores.Length < count)
            t_scores = new float[Math.Max(count, 1024) * 2];
        return t_scores.AsSpan(0, count);
    }

    /// <summary>Four independent accumulators: the loop runs at the multiply-add rate, not the add latency.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot(float* a, float* b, int length)
    {
        int width = Vector<float>.Count, i = 0;
        Vector<float> s0 = default, s1 = default, s2 = default, s3 = default;
        for (; i + 4 * width <= length; i += 4 * width)
        {
            s0 += Load(a + i) * Load(b + i);
            s1 += Load(a + i + width) * Load(b + i + width);
            s2 += Load(a + i + 2 * width) * Load(b + i + 2 * width);
            s3 += Load(a + i + 3 * width) * Load(b + i + 3 * width);
        }
        for (; i + width <= length; i += width)
            s0 += Load(a + i) * Load(b + i);
        float total = Vector.Sum((s0 + s1) + (s2 + s3));
        for (; i < length; i++)
            total += a[i] * b[i];
        return total;
    }

    /// <summary>
    /// out[h] = Σ_s weight[h, s]·latent_s, a register-sized chunk of the latent at a time for every
    /// head of the block, so each row chunk is loaded once per block and the sums never leave registers.
    /// </summary>
    private static void WeightedSum(int heads, ReadOnlySpan<float> weights, int count, float* rows, int rowWidth,
        ReadOnlySpan<int> slots, int latentWidth, float* outputs, long latentStride)
    {
        int width = Vector<float>.Count;
        int c = 0;
        for (; c + Chunk <= latentWidth; c += Chunk)
        {
            Vector<float> a0 = default, a1 = default, b0 = default, b1 = default;
            Vector<float> c0 = default, c1 = default, d0 = default, d1 = default;
            for (int s = 0; s < count; s++)
            {
                float* row = rows + (long)slots[s] * rowWidth + c;
                var r0 = Load(row);
                var r1 = Load(row + width);
                a0 += r0 * weights[s];
                a1 += r1 * weights[s];
                if (heads > 1)
                {
                    b0 += r0 * weights[count + s];
                    b1 += r1 * weights[count + s];
                }
                if (heads > 2)
                {
                    c0 += r0 * weights[2 * count + s];
                    c1 += r1 * weights[2 * count + s];
                }
                if (heads > 3)
                {
                    d0 += r0 * weights[3 * count + s];
                    d1 += r1 * weights[3 * count + s];
                }
            }
            Store(a0, a1, outputs + c, width);
            if (heads > 1)
                Store(b0, b1, outputs + latentStride + c, width);
            if (heads > 2)
                Store(c0, c1, outputs + 2 * latentStride + c, width);
            if (heads > 3)
                Store(d0, d1, outputs + 3 * latentStride + c, width);
        }
        for (; c < latentWidth; c++)
        {
            for (int h = 0; h < heads; h++)
            {
                float sum = 0;
                for (int s = 0; s < count; s++)
                    sum += weights[h * count + s] * rows[(long)slots[s] * rowWidth + c];
                outputs[h * latentStride + c] = sum;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Load(float* p) => Unsafe.ReadUnaligned<Vector<float>>(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector<float> low, Vector<float> high, float* p, int width)
    {
        Unsafe.WriteUnaligned(p, low);
        Unsafe.WriteUnaligned(p + width, high);
    }
}
