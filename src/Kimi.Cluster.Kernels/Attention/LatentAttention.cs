using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Kimi.Cluster.Kernels.Rows;

namespace Kimi.Cluster.Kernels.Attention;

/// <summary>
/// The arithmetic of MLA attention in the absorbed form for one token and a group of heads:
/// score[h, s] = scale·(q_latent[h]·latent_s + q_rope[h]·rope_key_s) over the token's cached rows s,
/// out[h] = Σ softmax(score[h])[s]·latent_s. A query sees exactly the rows it is given (a prefill
/// token's: those up to its position), so nothing is masked. Both passes take the rows a tile at a
/// time through every block of four heads, so a row comes from memory once per call, not once per
/// head or block; within a pass four heads share each row chunk loaded and every sum has its own
/// accumulator, so the loops run at the multiply-add rate.
/// The vector multiply-adds are fused (one rounding each; the vector JIT does not fuse a multiply
/// and an add by itself): half the vector operations, the bench model's absorbed decode 8-10% faster
/// a layer at 64-320 cached rows. The scalar tails multiply then add. The loops take their vector
/// width as a type argument (<see cref="ILanes{TVector}"/>): 16 floats on the AVX-512 path, else
/// <see cref="Vector{T}"/>'s.
/// </summary>
internal static unsafe class LatentAttention
{
    /// <summary>Heads computed together per row pass.</summary>
    public const int HeadBlock = 4;

    [ThreadStatic] private static float[]? t_scores;

    /// <param name="queryLatents">Head h's query latent at queryLatents + h·latentStride.</param>
    /// <param name="queryRopes">Head h's rope query at queryRopes + h·ropeStride.</param>
    /// <param name="outputs">Head h's output at outputs + h·latentStride.</param>
    /// <param name="wide">Whether to run on 16-float vectors (the AVX-512 path's; the caller checks the CPU has them).</param>
    public static void Attend(bool wide, int heads, float* queryLatents, long latentStride, float* queryRopes, long ropeStride,
        int latentWidth, int ropeWidth, float* rows, ReadOnlySpan<int> slots, float scale, float* outputs)
    {
        if (wide)
        {
            Attend<WideLanes, Vector512<float>>(heads, queryLatents, latentStride, queryRopes, ropeStride, latentWidth, ropeWidth, rows, slots, scale, outputs);
        }
        else
        {
            Attend<NativeLanes, Vector<float>>(heads, queryLatents, latentStride, queryRopes, ropeStride, latentWidth, ropeWidth, rows, slots, scale, outputs);
        }
    }

    private static void Attend<TL, TV>(int heads, float* queryLatents, long latentStride, float* queryRopes, long ropeStride,
        int latentWidth, int ropeWidth, float* rows, ReadOnlySpan<int> slots, float scale, float* outputs) where TL : ILanes<TV> where TV : struct
    {
        int count = slots.Length, rowWidth = latentWidth + ropeWidth;
        var scores = Scores(heads * count);
        // Both passes take the rows a tile at a time through every head block: a tile comes from
        // L2/L3 once and each block re-reads it from L1 (as do the block's queries, tile after tile).
        int tile = Math.Max(2, RowTileBytes / (rowWidth * sizeof(float)) & ~1);
        for (int s0 = 0; s0 < count; s0 += tile)
        {
            ScoreRows<TL, TV>(heads, queryLatents, latentStride, queryRopes, ropeStride, latentWidth, ropeWidth, rows, slots, s0,
                Math.Min(count, s0 + tile), scale, scores);
        }
        for (int h = 0; h < heads; h++)
            RowOps.SoftmaxInPlace(scores.Slice(h * count, count));
        for (int s0 = 0; s0 < count; s0 += tile)
        {
            for (int h0 = 0; h0 < heads; h0 += HeadBlock)
            {
                WeightedSum<TL, TV>(Math.Min(HeadBlock, heads - h0), scores[(h0 * count)..], count, rows, rowWidth, slots, s0,
                    Math.Min(count, s0 + tile), latentWidth, outputs + h0 * latentStride, latentStride);
            }
        }
    }

    /// <summary>Bytes of cached rows a tile spans: half of a 48 KB L1, beside a head block's queries.</summary>
    private const int RowTileBytes = 24 * 1024;

    /// <summary>
    /// score[h, s] for rows s0..s1 − 1 (s0 even) and every head of the group, a pair of rows at a time
    /// (an odd last row pairs with itself).
    /// </summary>
    private static void ScoreRows<TL, TV>(int heads, float* queryLatents, long latentStride, float* queryRopes, long ropeStride,
        int latentWidth, int ropeWidth, float* rows, ReadOnlySpan<int> slots, int s0, int s1, float scale, Span<float> scores) where TL : ILanes<TV> where TV : struct
    {
        int rowWidth = latentWidth + ropeWidth, count = slots.Length;
        float* sums = stackalloc float[2 * HeadBlock];
        for (int h0 = 0; h0 < heads; h0 += HeadBlock)
        {
            int block = Math.Min(HeadBlock, heads - h0);
            var q = new HeadQueries(block, queryLatents + h0 * latentStride, latentStride, queryRopes + h0 * ropeStride, ropeStride);
            for (int s = s0; s < s1; s += 2)
            {
                bool pair = s + 1 < count;
                float* a = rows + (long)slots[s] * rowWidth;
                float* b = pair ? rows + (long)slots[s + 1] * rowWidth : a;
                DotPair<TL, TV>(q, a, b, latentWidth, ropeWidth, sums);
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
    private static void DotPair<TL, TV>(in HeadQueries q, float* a, float* b, int latentWidth, int ropeWidth, float* sums) where TL : ILanes<TV> where TV : struct
    {
        int width = TL.Count;
        TV a0 = default, a1 = default, a2 = default, a3 = default;
        TV b0 = default, b1 = default, b2 = default, b3 = default;
        float* q0 = q.Latent0, q1 = q.Latent1, q2 = q.Latent2, q3 = q.Latent3;
        float* ra = a, rb = b;
        int length = latentWidth, latentEnd = 0;
        for (int part = 0; part < 2; part++)
        {
            int i = 0;
            for (; i + width <= length; i += width)
            {
                var va = TL.Load(ra + i);
                var vb = TL.Load(rb + i);
                var qv = TL.Load(q0 + i);
                a0 = TL.MultiplyAdd(qv, va, a0);
                b0 = TL.MultiplyAdd(qv, vb, b0);
                qv = TL.Load(q1 + i);
                a1 = TL.MultiplyAdd(qv, va, a1);
                b1 = TL.MultiplyAdd(qv, vb, b1);
                qv = TL.Load(q2 + i);
                a2 = TL.MultiplyAdd(qv, va, a2);
                b2 = TL.MultiplyAdd(qv, vb, b2);
                qv = TL.Load(q3 + i);
                a3 = TL.MultiplyAdd(qv, va, a3);
                b3 = TL.MultiplyAdd(qv, vb, b3);
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
        TL.Sum4(a0, a1, a2, a3).Store(sums);
        TL.Sum4(b0, b1, b2, b3).Store(sums + HeadBlock);
        if (latentEnd < latentWidth)
            AddTail(q.Latent0, q.Latent1, q.Latent2, q.Latent3, a, b, latentEnd, latentWidth, sums);
        if (ropeEnd < ropeWidth)
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

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
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
    /// out[h] += Σ_{s0 ≤ s < s1} weight[h, s]·latent_s (out[h] = when s0 is 0), a register-sized chunk of
    /// the latent at a time for every head of the block, so each row chunk is loaded once per block.
    /// A chunk's sums go on from where the last tile stored them, in row order: the bits of one pass
    /// over all the rows.
    /// </summary>
    private static void WeightedSum<TL, TV>(int heads, ReadOnlySpan<float> weights, int count, float* rows, int rowWidth,
        ReadOnlySpan<int> slots, int s0, int s1, int latentWidth, float* outputs, long latentStride) where TL : ILanes<TV> where TV : struct
    {
        // Latent floats kept in registers per head while the sum walks the tile's rows.
        int width = TL.Count, chunk = 2 * width;
        bool first = s0 == 0;
        int c = 0;
        for (; c + chunk <= latentWidth; c += chunk)
        {
            TV a0 = default, a1 = default, b0 = default, b1 = default;
            TV c0 = default, c1 = default, d0 = default, d1 = default;
            if (!first)
            {
                Lanes.LoadPair<TL, TV>(outputs + c, out a0, out a1);
                if (heads > 1)
                    Lanes.LoadPair<TL, TV>(outputs + latentStride + c, out b0, out b1);
                if (heads > 2)
                    Lanes.LoadPair<TL, TV>(outputs + 2 * latentStride + c, out c0, out c1);
                if (heads > 3)
                    Lanes.LoadPair<TL, TV>(outputs + 3 * latentStride + c, out d0, out d1);
            }
            for (int s = s0; s < s1; s++)
            {
                float* row = rows + (long)slots[s] * rowWidth + c;
                var r0 = TL.Load(row);
                var r1 = TL.Load(row + width);
                a0 = TL.MultiplyAdd(r0, TL.Broadcast(weights[s]), a0);
                a1 = TL.MultiplyAdd(r1, TL.Broadcast(weights[s]), a1);
                if (heads > 1)
                {
                    b0 = TL.MultiplyAdd(r0, TL.Broadcast(weights[count + s]), b0);
                    b1 = TL.MultiplyAdd(r1, TL.Broadcast(weights[count + s]), b1);
                }
                if (heads > 2)
                {
                    c0 = TL.MultiplyAdd(r0, TL.Broadcast(weights[2 * count + s]), c0);
                    c1 = TL.MultiplyAdd(r1, TL.Broadcast(weights[2 * count + s]), c1);
                }
                if (heads > 3)
                {
                    d0 = TL.MultiplyAdd(r0, TL.Broadcast(weights[3 * count + s]), d0);
                    d1 = TL.MultiplyAdd(r1, TL.Broadcast(weights[3 * count + s]), d1);
                }
            }
            Lanes.StorePair<TL, TV>(a0, a1, outputs + c);
            if (heads > 1)
                Lanes.StorePair<TL, TV>(b0, b1, outputs + latentStride + c);
            if (heads > 2)
                Lanes.StorePair<TL, TV>(c0, c1, outputs + 2 * latentStride + c);
            if (heads > 3)
                Lanes.StorePair<TL, TV>(d0, d1, outputs + 3 * latentStride + c);
        }
        for (; c < latentWidth; c++)
        {
            for (int h = 0; h < heads; h++)
            {
                float sum = first ? 0 : outputs[h * latentStride + c];
                for (int s = s0; s < s1; s++)
                    sum += weights[h * count + s] * rows[(long)slots[s] * rowWidth + c];
                outputs[h * latentStride + c] = sum;
            }
        }
    }
}
