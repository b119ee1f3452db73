using System.Numerics;
using Kimi.Cluster.Kernels.Rows;
using static Kimi.Cluster.Kernels.Attention.VectorMemory;

namespace Kimi.Cluster.Kernels.Attention;

/// <summary>
/// The arithmetic of MLA decode attention in the absorbed form for one token and a group of heads:
/// score[h, s] = scale·(q_latent[h]·latent_s + q_rope[h]·rope_key_s) over the token's cached rows s,
/// out[h] = Σ softmax(score[h])[s]·latent_s. A decode query sees its whole cache, so nothing is
/// masked. The scores walk the rows two at a time and every head of the group over each pair, so a
/// row comes from memory once per group, not once per head; within a pass four heads share each row
/// chunk loaded and every sum has its own accumulator, so the loops run at the multiply-add rate.
/// The vector multiply-adds are fused (one rounding each; the vector JIT does not fuse a multiply
/// and an add by itself): half the vector operations, the bench model's absorbed decode 8-10% faster
/// a layer at 64-320 cached rows. The scalar tails multiply then add.
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
        int count = slots.Length, rowWidth = latentWidth + ropeWidth;
        var scores = Scores(heads * count);
        ScoreRows(heads, queryLatents, latentStride, queryRopes, ropeStride, latentWidth, ropeWidth, rows, slots, scale, scores);
        for (int h = 0; h < heads; h++)
            RowOps.SoftmaxInPlace(scores.Slice(h * count, count));
        for (int h0 = 0; h0 < heads; h0 += HeadBlock)
        {
            WeightedSum(Math.Min(HeadBlock, heads - h0), scores[(h0 * count)..], count, rows, rowWidth, slots, latentWidth,
                outputs + h0 * latentStride, latentStride);
        }
    }

    /// <summary>score[h, s] for every head of the group, a pair of rows at a time (an odd last row pairs with itself).</summary>
    private static void ScoreRows(int heads, float* queryLatents, long latentStride, float* queryRopes, long ropeStride,
        int latentWidth, int ropeWidth, float* rows, ReadOnlySpan<int> slots, float scale, Span<float> scores)
    {
        int rowWidth = latentWidth + ropeWidth, count = slots.Length;
        float* sums = stackalloc float[2 * HeadBlock];
        for (int s = 0; s < count; s += 2)
        {
            bool pair = s + 1 < count;
            float* a = rows + (long)slots[s] * rowWidth;
            float* b = pair ? rows + (long)slots[s + 1] * rowWidth : a;
            for (int h0 = 0; h0 < heads; h0 += HeadBlock)
            {
                int block = Math.Min(HeadBlock, heads - h0);
                var q = new HeadQueries(block, queryLatents + h0 * latentStride, latentStride, queryRopes + h0 * ropeStride, ropeStride);
                DotPair(q, a, b, latentWidth, ropeWidth, sums);
                for (int h = 0; h < block; h++)
                {
                    scores[(h0 + h) * count + s] = sums[h] * scale;
                    if (pair)
                        scores[(h0 + h) * count + s + 1] = sums[HeadBlock + h] * scale;
                }
            }
        }
    }

    /// <summary>
    /// sums[h] = q_h·a and sums[4 + h] = q_h·b for the block's four heads, the latent and then the
    /// rope part into the same eight accumulators (locals, so they stay in registers), reduced once.
    /// </summary>
    private static void DotPair(in HeadQueries q, float* a, float* b, int latentWidth, int ropeWidth, float* sums)
    {
        int width = Vector<float>.Count;
        Vector<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector<float> b0 = default, b1 = default, b2 = default, b3 = default;
        float* q0 = q.Latent0, q1 = q.Latent1, q2 = q.Latent2, q3 = q.Latent3;
        float* ra = a, rb = b;
        int length = latentWidth, latentEnd = 0;
        for (int part = 0; part < 2; part++)
        {
            int i = 0;
            for (; i + width <= length; i += width)
            {
                var va = Load(ra + i);
                var vb = Load(rb + i);
                var qv = Load(q0 + i);
                a0 = Vector.FusedMultiplyAdd(qv, va, a0);
                b0 = Vector.FusedMultiplyAdd(qv, vb, b0);
                qv = Load(q1 + i);
                a1 = Vector.FusedMultiplyAdd(qv, va, a1);
                b1 = Vector.FusedMultiplyAdd(qv, vb, b1);
                qv = Load(q2 + i);
                a2 = Vector.FusedMultiplyAdd(qv, va, a2);
                b2 = Vector.FusedMultiplyAdd(qv, vb, b2);
                qv = Load(q3 + i);
                a3 = Vector.FusedMultiplyAdd(qv, va, a3);
                b3 = Vector.FusedMultiplyAdd(qv, vb, b3);
            }
            if (part == 1)
                break;
            // The rope part: its queries elsewhere, its keys right after the latent in each row.
            latentEnd = i;
            q0 = q.Rope0;
            q1 = q.Rope1;
            q2 = q.Rope2;
            q3 = q.Rope3;
            ra = a + latentWidth;
            rb = b + latentWidth;
            length = ropeWidth;
        }
        int ropeEnd = ropeWidth / width * width;
        sums[0] = Vector.Sum(a0);
        sums[1] = Vector.Sum(a1);
        sums[2] = Vector.Sum(a2);
        sums[3] = Vector.Sum(a3);
        sums[4] = Vector.Sum(b0);
        sums[5] = Vector.Sum(b1);
        sums[6] = Vector.Sum(b2);
        sums[7] = Vector.Sum(b3);
        AddTail(q.Latent0, q.Latent1, q.Latent2, q.Latent3, a, b, latentEnd, latentWidth, sums);
        AddTail(q.Rope0, q.Rope1, q.Rope2, q.Rope3, a + latentWidth, b + latentWidth, ropeEnd, ropeWidth, sums);
    }

    private static void AddTail(float* q0, float* q1, float* q2, float* q3, float* a, float* b, int from, int length, float* sums)
    {
        for (int i = from; i < length; i++)
        {
            sums[0] += q0[i] * a[i];
            sums[1] += q1[i] * a[i];
            sums[2] += q2[i] * a[i];
            sums[3] += q3[i] * a[i];
            sums[4] += q0[i] * b[i];
            sums[5] += q1[i] * b[i];
            sums[6] += q2[i] * b[i];
            sums[7] += q3[i] * b[i];
        }
    }

    /// <summary>A block's query pointers, its last head repeated to fill four (the copies' scores are dropped).</summary>
    private readonly struct HeadQueries
    {
        public readonly float* Latent0, Latent1, Latent2, Latent3, Rope0, Rope1, Rope2, Rope3;

        public HeadQueries(int heads, float* latents, long latentStride, float* ropes, long ropeStride)
        {
            Latent0 = latents;
            Latent1 = latents + Math.Min(1, heads - 1) * latentStride;
            Latent2 = latents + Math.Min(2, heads - 1) * latentStride;
            Latent3 = latents + Math.Min(3, heads - 1) * latentStride;
            Rope0 = ropes;
            Rope1 = ropes + Math.Min(1, heads - 1) * ropeStride;
            Rope2 = ropes + Math.Min(2, heads - 1) * ropeStride;
            Rope3 = ropes + Math.Min(3, heads - 1) * ropeStride;
        }
    }

    private static Span<float> Scores(int count)
    {
        if (t_scores is null || t_scores.Length < count)
            t_scores = new float[Math.Max(count, 1024) * 2];
        return t_scores.AsSpan(0, count);
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
                a0 = Vector.FusedMultiplyAdd(r0, new Vector<float>(weights[s]), a0);
                a1 = Vector.FusedMultiplyAdd(r1, new Vector<float>(weights[s]), a1);
                if (heads > 1)
                {
                    b0 = Vector.FusedMultiplyAdd(r0, new Vector<float>(weights[count + s]), b0);
                    b1 = Vector.FusedMultiplyAdd(r1, new Vector<float>(weights[count + s]), b1);
                }
                if (heads > 2)
                {
                    c0 = Vector.FusedMultiplyAdd(r0, new Vector<float>(weights[2 * count + s]), c0);
                    c1 = Vector.FusedMultiplyAdd(r1, new Vector<float>(weights[2 * count + s]), c1);
                }
                if (heads > 3)
                {
                    d0 = Vector.FusedMultiplyAdd(r0, new Vector<float>(weights[3 * count + s]), d0);
                    d1 = Vector.FusedMultiplyAdd(r1, new Vector<float>(weights[3 * count + s]), d1);
                }
            }
            StorePair(a0, a1, outputs + c, width);
            if (heads > 1)
                StorePair(b0, b1, outputs + latentStride + c, width);
            if (heads > 2)
                StorePair(c0, c1, outputs + 2 * latentStride + c, width);
            if (heads > 3)
                StorePair(d0, d1, outputs + 3 * latentStride + c, width);
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
}
