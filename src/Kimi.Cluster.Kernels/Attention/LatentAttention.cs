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
/// accumulator, so the loops run at the multiply-add rate. On the AVX-512 path (32 registers) a score
/// pass takes four rows and a weighted-sum chunk four vectors, sixteen sums in registers where the
/// 8-float paths keep eight, and the scores reach memory a vector per head: at K2.5's widths
/// 1.3-1.5x the pairs' speed, the same bits.
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
        fixed (float* scorePointer = scores)
        fixed (int* slotPointer = slots)
        {
            // Both passes take the rows a tile at a time through every head block: a tile comes from
            // L2/L3 once and each block re-reads it from L1 (as do the block's queries, tile after tile).
            int tile = Math.Max(4, RowTileBytes / (rowWidth * sizeof(float)) & ~3);
            for (int s0 = 0; s0 < count; s0 += tile)
            {
                ScoreRows<TL, TV>(heads, queryLatents, latentStride, queryRopes, ropeStride, new RowSpan(rows, latentWidth, ropeWidth, slotPointer,
                    Math.Min(count, s0 + tile)), s0, scale, scorePointer, count);
            }
            for (int h = 0; h < heads; h++)
                RowOps.SoftmaxInPlace(scores.Slice(h * count, count));
            // The weighted sum reads one chunk of each row at a time through every head block, so
            // its tiles span as many rows as chunks of that width fill the same bytes.
            int sumTile = Math.Max(4, RowTileBytes / (SumChunkVectors<TL, TV>() * TL.Count * sizeof(float)));
            for (int s0 = 0; s0 < count; s0 += sumTile)
            {
                WeightedSum<TL, TV>(heads, scorePointer, count, rows, rowWidth, slotPointer, s0, Math.Min(count, s0 + sumTile), latentWidth,
                    outputs, latentStride);
            }
        }
    }

    /// <summary>Bytes of cached rows a tile spans: half of a 48 KB L1, beside a head block's queries.</summary>
    private const int RowTileBytes = 24 * 1024;

    /// <summary>
    /// Whether a loop may keep sixteen sums in registers: the AVX-512 path's 16-float vectors come
    /// with 32 registers, the 8-float paths' with 16 (eight sums, their operands beside them).
    /// </summary>
    private static bool SixteenSums<TL, TV>() where TL : ILanes<TV> where TV : struct => TL.Count == 16;

    /// <summary>Vectors of each row's latent one weighted-sum chunk spans (four heads' sums of each in registers).</summary>
    private static int SumChunkVectors<TL, TV>() where TL : ILanes<TV> where TV : struct => SixteenSums<TL, TV>() ? 4 : 2;

    /// <summary>score[h, s] (at scores + h·count + s) for rows s0 (a multiple of four) up to the span's end and every head of the group.</summary>
    private static void ScoreRows<TL, TV>(int heads, float* queryLatents, long latentStride, float* queryRopes, long ropeStride, in RowSpan span,
        int s0, float scale, float* scores, int count) where TL : ILanes<TV> where TV : struct
    {
        for (int h0 = 0; h0 < heads; h0 += HeadBlock)
        {
            int block = Math.Min(HeadBlock, heads - h0);
            var q = new HeadQueries(block, queryLatents + h0 * latentStride, latentStride, queryRopes + h0 * ropeStride, ropeStride);
            if (SixteenSums<TL, TV>())
                ScoreQuads<TL, TV>(q, block, span, s0, scale, scores + h0 * count, count);
            else
                ScorePairs<TL, TV>(q, block, span, s0, scale, scores + h0 * count, count);
        }
    }

    /// <summary>The cached rows a pass reads: row s at rows + slots[s]·(latent + rope), s below End.</summary>
    private readonly struct RowSpan(float* rows, int latentWidth, int ropeWidth, int* slots, int end)
    {
        public readonly int LatentWidth = latentWidth, RopeWidth = ropeWidth, End = end;

        /// <summary>Row s, or the last one when s is at or past End (a short pass's copies).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float* Row(int s) => rows + (long)slots[Math.Min(s, End - 1)] * (LatentWidth + RopeWidth);
    }

    /// <summary>
    /// The AVX-512 path's scores: four rows a pass against the block's four heads, sixteen sums in
    /// registers (of its 32), each head's four reduced together and stored as one vector. Each sum's
    /// lanes add in the order <see cref="DotPair{TL, TV}"/>'s do and reduce through the same tree, so
    /// the scores are the same bits.
    /// </summary>
    private static void ScoreQuads<TL, TV>(in HeadQueries q, int block, in RowSpan span, int s0, float scale, float* blockScores, int count) where TL : ILanes<TV> where TV : struct
    {
        int width = TL.Count, latentWidth = span.LatentWidth, ropeWidth = span.RopeWidth;
        int latentEnd = latentWidth / width * width, ropeEnd = ropeWidth / width * width;
        float* sums = stackalloc float[4 * HeadBlock];
        var scales = Vector128.Create(scale);
        for (int s = s0; s < span.End; s += 4)
        {
            float* ra = span.Row(s), rb = span.Row(s + 1), rc = span.Row(s + 2), rd = span.Row(s + 3);
            TV a0 = default, a1 = default, a2 = default, a3 = default;
            TV b0 = default, b1 = default, b2 = default, b3 = default;
            TV c0 = default, c1 = default, c2 = default, c3 = default;
            TV d0 = default, d1 = default, d2 = default, d3 = default;
            float* q0 = q.Latent0, q1 = q.Latent1, q2 = q.Latent2, q3 = q.Latent3;
            int offset = 0, end = latentEnd;
            for (int part = 0; part < 2; part++)
            {
                for (int i = 0; i < end; i += width)
                {
                    var va = TL.Load(ra + offset + i);
                    var vb = TL.Load(rb + offset + i);
                    var vc = TL.Load(rc + offset + i);
                    var vd = TL.Load(rd + offset + i);
                    var qv = TL.Load(q0 + i);
                    a0 = TL.MultiplyAdd(qv, va, a0);
                    b0 = TL.MultiplyAdd(qv, vb, b0);
                    c0 = TL.MultiplyAdd(qv, vc, c0);
                    d0 = TL.MultiplyAdd(qv, vd, d0);
                    qv = TL.Load(q1 + i);
                    a1 = TL.MultiplyAdd(qv, va, a1);
                    b1 = TL.MultiplyAdd(qv, vb, b1);
                    c1 = TL.MultiplyAdd(qv, vc, c1);
                    d1 = TL.MultiplyAdd(qv, vd, d1);
                    qv = TL.Load(q2 + i);
                    a2 = TL.MultiplyAdd(qv, va, a2);
                    b2 = TL.MultiplyAdd(qv, vb, b2);
                    c2 = TL.MultiplyAdd(qv, vc, c2);
                    d2 = TL.MultiplyAdd(qv, vd, d2);
                    qv = TL.Load(q3 + i);
                    a3 = TL.MultiplyAdd(qv, va, a3);
                    b3 = TL.MultiplyAdd(qv, vb, b3);
                    c3 = TL.MultiplyAdd(qv, vc, c3);
                    d3 = TL.MultiplyAdd(qv, vd, d3);
                }
                // The rope part: its queries elsewhere, its keys right after the latent in each row.
                q0 = q.Rope0;
                q1 = q.Rope1;
                q2 = q.Rope2;
                q3 = q.Rope3;
                offset = latentWidth;
                end = ropeEnd;
            }
            // Head h's four rows as one vector: sums[4h + r].
            TL.Sum4(a0, b0, c0, d0).Store(sums);
            TL.Sum4(a1, b1, c1, d1).Store(sums + HeadBlock);
            TL.Sum4(a2, b2, c2, d2).Store(sums + 2 * HeadBlock);
            TL.Sum4(a3, b3, c3, d3).Store(sums + 3 * HeadBlock);
            if (latentEnd < latentWidth || ropeEnd < ropeWidth)
            {
                for (int h = 0; h < HeadBlock; h++)
                {
                    sums[h * HeadBlock] = AddTail(sums[h * HeadBlock], q.Latent(h), q.Rope(h), ra, latentEnd, latentWidth, ropeEnd, ropeWidth);
                    sums[h * HeadBlock + 1] = AddTail(sums[h * HeadBlock + 1], q.Latent(h), q.Rope(h), rb, latentEnd, latentWidth, ropeEnd, ropeWidth);
                    sums[h * HeadBlock + 2] = AddTail(sums[h * HeadBlock + 2], q.Latent(h), q.Rope(h), rc, latentEnd, latentWidth, ropeEnd, ropeWidth);
                    sums[h * HeadBlock + 3] = AddTail(sums[h * HeadBlock + 3], q.Latent(h), q.Rope(h), rd, latentEnd, latentWidth, ropeEnd, ropeWidth);
                }
            }
            int real = Math.Min(4, span.End - s);
            for (int h = 0; h < block; h++)
            {
                var headScores = Vector128.Load(sums + h * HeadBlock) * scales;
                if (real == 4)
                    headScores.Store(blockScores + h * count + s);
                else
                {
                    for (int r = 0; r < real; r++)
                        blockScores[h * count + s + r] = headScores.GetElement(r);
                }
            }
        }
    }

    /// <summary>
    /// sum + q_latent·row and q_rope·rope_key over the columns past the last whole vectors
    /// (latentEnd.., ropeEnd..), multiplied then added one column at a time: the scalar tail of every score.
    /// </summary>
    private static float AddTail(float sum, float* latentQuery, float* ropeQuery, float* row, int latentEnd, int latentWidth, int ropeEnd, int ropeWidth)
    {
        for (int i = latentEnd; i < latentWidth; i++)
            sum += latentQuery[i] * row[i];
        for (int i = ropeEnd; i < ropeWidth; i++)
            sum += ropeQuery[i] * row[latentWidth + i];
        return sum;
    }

    /// <summary>score[h, s] a pair of rows at a time (the 8-float paths' 16 registers hold eight sums).</summary>
    private static void ScorePairs<TL, TV>(in HeadQueries q, int block, in RowSpan span, int s0, float scale, float* blockScores, int count) where TL : ILanes<TV> where TV : struct
    {
        float* sums = stackalloc float[2 * HeadBlock];
        for (int s = s0; s < span.End; s += 2)
        {
            DotPair<TL, TV>(q, span.Row(s), span.Row(s + 1), span.LatentWidth, span.RopeWidth, sums);
            for (int h = 0; h < block; h++)
            {
                blockScores[h * count + s] = sums[h] * scale;
                if (s + 1 < span.End)
                    blockScores[h * count + s + 1] = sums[HeadBlock + h] * scale;
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
        if (latentEnd < latentWidth || ropeEnd < ropeWidth)
        {
            for (int h = 0; h < HeadBlock; h++)
            {
                sums[h] = AddTail(sums[h], q.Latent(h), q.Rope(h), a, latentEnd, latentWidth, ropeEnd, ropeWidth);
                sums[HeadBlock + h] = AddTail(sums[HeadBlock + h], q.Latent(h), q.Rope(h), b, latentEnd, latentWidth, ropeEnd, ropeWidth);
            }
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

        /// <summary>Head h's (0-3) latent query.</summary>
        public float* Latent(int h) => h switch { 0 => Latent0, 1 => Latent1, 2 => Latent2, _ => Latent3 };

        /// <summary>Head h's (0-3) rope query.</summary>
        public float* Rope(int h) => h switch { 0 => Rope0, 1 => Rope1, 2 => Rope2, _ => Rope3 };
    }

    private static Span<float> Scores(int count)
    {
        if (t_scores is null || t_scores.Length < count)
            t_scores = new float[Math.Max(count, 1024) * 2];
        return t_scores.AsSpan(0, count);
    }

    /// <summary>
    /// out[h] += Σ_{s0 ≤ s < s1} weight[h, s]·latent_s (out[h] = when s0 is 0) for every head: a
    /// register-sized chunk of the latent at a time through every block of four heads, so the
    /// chunk's rows come from memory once and each block re-reads them from L1. A chunk's sums go on
    /// from where the last tile stored them, in row order: the bits of one pass over all the rows.
    /// The AVX-512 path takes four vectors a chunk (sixteen sums in registers), the others two.
    /// </summary>
    private static void WeightedSum<TL, TV>(int heads, float* weights, int count, float* rows, int rowWidth, int* slots, int s0, int s1,
        int latentWidth, float* outputs, long latentStride) where TL : ILanes<TV> where TV : struct
    {
        int width = TL.Count, c = 0;
        if (SumChunkVectors<TL, TV>() == 4)
        {
            for (; c + 4 * width <= latentWidth; c += 4 * width)
            {
                for (int h0 = 0; h0 < heads; h0 += HeadBlock)
                {
                    SumFourVectors<TL, TV>(Math.Min(HeadBlock, heads - h0), weights + h0 * count, count, rows + c, rowWidth, slots, s0, s1,
                        outputs + h0 * latentStride + c, latentStride);
                }
            }
        }
        for (; c + 2 * width <= latentWidth; c += 2 * width)
        {
            for (int h0 = 0; h0 < heads; h0 += HeadBlock)
            {
                SumTwoVectors<TL, TV>(Math.Min(HeadBlock, heads - h0), weights + h0 * count, count, rows + c, rowWidth, slots, s0, s1,
                    outputs + h0 * latentStride + c, latentStride);
            }
        }
        bool first = s0 == 0;
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

    /// <summary>
    /// Two vectors of the chunk at <paramref name="rows"/> (each row's chunk) for up to four heads:
    /// out[h] (at outputs + h·latentStride) += Σ weight[h, s]·chunk_s.
    /// </summary>
    private static void SumTwoVectors<TL, TV>(int heads, float* weights, int count, float* rows, int rowWidth, int* slots, int s0, int s1,
        float* outputs, long latentStride) where TL : ILanes<TV> where TV : struct
    {
        int width = TL.Count;
        TV a0 = default, a1 = default, b0 = default, b1 = default;
        TV c0 = default, c1 = default, d0 = default, d1 = default;
        if (s0 > 0)
        {
            Lanes.LoadPair<TL, TV>(outputs, out a0, out a1);
            if (heads > 1)
                Lanes.LoadPair<TL, TV>(outputs + latentStride, out b0, out b1);
            if (heads > 2)
                Lanes.LoadPair<TL, TV>(outputs + 2 * latentStride, out c0, out c1);
            if (heads > 3)
                Lanes.LoadPair<TL, TV>(outputs + 3 * latentStride, out d0, out d1);
        }
        for (int s = s0; s < s1; s++)
        {
            float* row = rows + (long)slots[s] * rowWidth;
            var r0 = TL.Load(row);
            var r1 = TL.Load(row + width);
            var w = TL.Broadcast(weights[s]);
            a0 = TL.MultiplyAdd(r0, w, a0);
            a1 = TL.MultiplyAdd(r1, w, a1);
            if (heads > 1)
            {
                w = TL.Broadcast(weights[count + s]);
                b0 = TL.MultiplyAdd(r0, w, b0);
                b1 = TL.MultiplyAdd(r1, w, b1);
            }
            if (heads > 2)
            {
                w = TL.Broadcast(weights[2 * count + s]);
                c0 = TL.MultiplyAdd(r0, w, c0);
                c1 = TL.MultiplyAdd(r1, w, c1);
            }
            if (heads > 3)
            {
                w = TL.Broadcast(weights[3 * count + s]);
                d0 = TL.MultiplyAdd(r0, w, d0);
                d1 = TL.MultiplyAdd(r1, w, d1);
            }
        }
        Lanes.StorePair<TL, TV>(a0, a1, outputs);
        if (heads > 1)
            Lanes.StorePair<TL, TV>(b0, b1, outputs + latentStride);
        if (heads > 2)
            Lanes.StorePair<TL, TV>(c0, c1, outputs + 2 * latentStride);
        if (heads > 3)
            Lanes.StorePair<TL, TV>(d0, d1, outputs + 3 * latentStride);
    }

    /// <summary><see cref="SumTwoVectors{TL, TV}"/> over four vectors of the chunk (the AVX-512 path's registers).</summary>
    private static void SumFourVectors<TL, TV>(int heads, float* weights, int count, float* rows, int rowWidth, int* slots, int s0, int s1,
        float* outputs, long latentStride) where TL : ILanes<TV> where TV : struct
    {
        int width = TL.Count;
        TV a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default;
        TV c0 = default, c1 = default, c2 = default, c3 = default, d0 = default, d1 = default, d2 = default, d3 = default;
        if (s0 > 0)
        {
            Lanes.LoadFour<TL, TV>(outputs, out a0, out a1, out a2, out a3);
            if (heads > 1)
                Lanes.LoadFour<TL, TV>(outputs + latentStride, out b0, out b1, out b2, out b3);
            if (heads > 2)
                Lanes.LoadFour<TL, TV>(outputs + 2 * latentStride, out c0, out c1, out c2, out c3);
            if (heads > 3)
                Lanes.LoadFour<TL, TV>(outputs + 3 * latentStride, out d0, out d1, out d2, out d3);
        }
        for (int s = s0; s < s1; s++)
        {
            float* row = rows + (long)slots[s] * rowWidth;
            var r0 = TL.Load(row);
            var r1 = TL.Load(row + width);
            var r2 = TL.Load(row + 2 * width);
            var r3 = TL.Load(row + 3 * width);
            var w = TL.Broadcast(weights[s]);
            a0 = TL.MultiplyAdd(r0, w, a0);
            a1 = TL.MultiplyAdd(r1, w, a1);
            a2 = TL.MultiplyAdd(r2, w, a2);
            a3 = TL.MultiplyAdd(r3, w, a3);
            if (heads > 1)
            {
                w = TL.Broadcast(weights[count + s]);
                b0 = TL.MultiplyAdd(r0, w, b0);
                b1 = TL.MultiplyAdd(r1, w, b1);
                b2 = TL.MultiplyAdd(r2, w, b2);
                b3 = TL.MultiplyAdd(r3, w, b3);
            }
            if (heads > 2)
            {
                w = TL.Broadcast(weights[2 * count + s]);
                c0 = TL.MultiplyAdd(r0, w, c0);
                c1 = TL.MultiplyAdd(r1, w, c1);
                c2 = TL.MultiplyAdd(r2, w, c2);
                c3 = TL.MultiplyAdd(r3, w, c3);
            }
            if (heads > 3)
            {
                w = TL.Broadcast(weights[3 * count + s]);
                d0 = TL.MultiplyAdd(r0, w, d0);
                d1 = TL.MultiplyAdd(r1, w, d1);
                d2 = TL.MultiplyAdd(r2, w, d2);
                d3 = TL.MultiplyAdd(r3, w, d3);
            }
        }
        Lanes.StoreFour<TL, TV>(a0, a1, a2, a3, outputs);
        if (heads > 1)
            Lanes.StoreFour<TL, TV>(b0, b1, b2, b3, outputs + latentStride);
        if (heads > 2)
            Lanes.StoreFour<TL, TV>(c0, c1, c2, c3, outputs + 2 * latentStride);
        if (heads > 3)
            Lanes.StoreFour<TL, TV>(d0, d1, d2, d3, outputs + 3 * latentStride);
    }
}
