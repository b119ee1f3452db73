using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Kimi.Cluster.Kernels.Formats;

namespace Kimi.Cluster.Kernels.Isa;

/// <summary>
/// AVX-512 fused matvecs for 2–3 tokens (int4: 2–4): each weight vector is decoded once in
/// registers and multiplied into every token's accumulator (4 rows × 3 tokens = 12 zmm; int4, whose
/// decode needs more registers, two rows × 4 tokens at a time), so a few decode sequences cost one
/// pass over memory instead of a tile decode plus dots. More tokens run as groups over the same
/// four rows, which the later groups find in L1/L2.
/// </summary>
/// <remarks>
/// The accumulators are plain locals written out in each kernel, twelve at most (see IsaKernels'
/// remarks): sixteen, or a struct of them, were loaded and stored every step, halving the FMA rate.
/// </remarks>
internal sealed unsafe partial class Avx512Kernels
{
    public override int FusedTokens => 3;

    // int4's decode (a lookup and a shift per vector) costs more than bf16's one shift, so a fourth
    // token on the same decoded vectors pays: with four tokens an expert (64 in flight, top-8 of
    // 128), int4 [256, 1024] and [1024, 256] at 4 tokens, one thread, weights in cache, went from
    // 26 and 37 µs (3 + 1 tokens) to 15 and 17 µs with this and the chunk-scaled sums below.
    public override int FusedTokensFor(WeightFormat format) => format == WeightFormat.Int4Group ? 4 : FusedTokens;

    // Measured on Zen 4 (2 cores, the kernel benchmark's --quick run, 2048×7168, 1024×256 and
    // 256×1024): groups of three tokens over rows kept in L1/L2 beat a decoded tile up to 16 tokens
    // for bf16, f32 and int4 (1.2–2.5× at 2–8 tokens; even at 32–64 only within noise of it). fp8's
    // blocks must be whole vectors; its decode is dearer: with the NaN check the tile wins from 4
    // tokens. Without it (a matrix known to hold no NaN byte), on Zen 5, calls alternated in one
    // process, [512, 1024] and [2048, 7168]: one thread in cache, 4 / 6 / 8 tokens 76.4 / 67.2 /
    // 96.5 and 1460 / 1747 / 2397 µs against the tile's 121.9 / 106.6 / 122.4 and 3229 / 3498 /
    // 4014; two threads from memory 39.4 / 49.9 / 67.7 and 899 / 1101 / 1306 against 73.0 / 76.7 /
    // 88.7 and 2316 / 2474 / 2734; at 12 tokens alike, from 16 the tile wins.
    public override int FusedTokenLimit(WeightMatrix w) => w.Format switch
    {
        WeightFormat.Float16 => 0,
        WeightFormat.Fp8Block => w.Shape.BlockColumns % 16 != 0 ? 0 : w.MayHoldFp8Nan ? 3 : 8,
        _ => 16,
    };

    public override void MatVec4Tokens(WeightMatrix w, int row0, float* x, int tokens, float* y, int yStride)
    {
        if (w.Format == WeightFormat.Int4Group)
        {
            Int4Tokens(w, row0, x, tokens, y, yStride, new Int4Setup(w));
            return;
        }
        int end = (tokens, w.Format) switch
        {
            (2, WeightFormat.Float32) => FusedFloat32<TwoTokens>(w, row0, x, y, yStride),
            (_, WeightFormat.Float32) => FusedFloat32<ThreeTokens>(w, row0, x, y, yStride),
            (2, WeightFormat.BFloat16) => FusedBFloat16<TwoTokens>(w, row0, x, y, yStride),
            (_, WeightFormat.BFloat16) => FusedBFloat16<ThreeTokens>(w, row0, x, y, yStride),
            (2, WeightFormat.Fp8Block) => w.MayHoldFp8Nan
                ? FusedFp8<TwoTokens, Fp8MayHoldNans>(w, row0, x, y, yStride)
                : FusedFp8<TwoTokens, Fp8HoldsNoNans>(w, row0, x, y, yStride),
            (_, WeightFormat.Fp8Block) => w.MayHoldFp8Nan
                ? FusedFp8<ThreeTokens, Fp8MayHoldNans>(w, row0, x, y, yStride)
                : FusedFp8<ThreeTokens, Fp8HoldsNoNans>(w, row0, x, y, yStride),
            _ => throw new NotSupportedException($"{w.Shape}: no multi-token matvec"),
        };
        if (end < w.Columns)
        {
            Tails.AddDecodedDots(w, row0, x, tokens, end, y, yStride);
        }
    }

    private static int FusedFloat32<T>(WeightMatrix w, int row0, float* x, float* y, int yStride)
        where T : struct, ITokenCount
    {
        nint ahead = Prefetch.Ahead(w.Shape.RowBytes);
        int columns = w.Columns, k = 0;
        float* p0 = (float*)w.Data + (long)row0 * columns, p1 = p0 + columns, p2 = p1 + columns, p3 = p2 + columns;
        float* x0 = x, x1 = x0 + columns, x2 = x1 + columns;
        Vector512<float> a00 = default, a10 = default, a20 = default, a30 = default;
        Vector512<float> a01 = default, a11 = default, a21 = default, a31 = default;
        Vector512<float> a02 = default, a12 = default, a22 = default, a32 = default;
        for (; k <= columns - 16; k += 16)
        {
            Prefetch.Rows(p0 + k, p1 + k, p2 + k, p3 + k, ahead);
            var w0 = Vector512.Load(p0 + k);
            var w1 = Vector512.Load(p1 + k);
            var w2 = Vector512.Load(p2 + k);
            var w3 = Vector512.Load(p3 + k);
            var xv = Vector512.Load(x0 + k);
            a00 = Avx512F.FusedMultiplyAdd(w0, xv, a00);
            a10 = Avx512F.FusedMultiplyAdd(w1, xv, a10);
            a20 = Avx512F.FusedMultiplyAdd(w2, xv, a20);
            a30 = Avx512F.FusedMultiplyAdd(w3, xv, a30);
            xv = Vector512.Load(x1 + k);
            a01 = Avx512F.FusedMultiplyAdd(w0, xv, a01);
            a11 = Avx512F.FusedMultiplyAdd(w1, xv, a11);
            a21 = Avx512F.FusedMultiplyAdd(w2, xv, a21);
            a31 = Avx512F.FusedMultiplyAdd(w3, xv, a31);
            if (T.Count > 2)
            {
                xv = Vector512.Load(x2 + k);
                a02 = Avx512F.FusedMultiplyAdd(w0, xv, a02);
                a12 = Avx512F.FusedMultiplyAdd(w1, xv, a12);
                a22 = Avx512F.FusedMultiplyAdd(w2, xv, a22);
                a32 = Avx512F.FusedMultiplyAdd(w3, xv, a32);
            }
        }
        Reduce.Sum4(a00, a10, a20, a30).Store(y);
        Reduce.Sum4(a01, a11, a21, a31).Store(y + yStride);
        if (T.Count > 2)
        {
            Reduce.Sum4(a02, a12, a22, a32).Store(y + 2L * yStride);
        }
        return k;
    }

    private static int FusedBFloat16<T>(WeightMatrix w, int row0, float* x, float* y, int yStride)
        where T : struct, ITokenCount
    {
        nint ahead = Prefetch.Ahead(w.Shape.RowBytes);
        int columns = w.Columns, c = 0;
        ushort* p0 = (ushort*)w.Data + (long)row0 * columns, p1 = p0 + columns, p2 = p1 + columns, p3 = p2 + columns;
        float* x0 = x, x1 = x0 + columns, x2 = x1 + columns;
        Vector512<float> a00 = default, a10 = default, a20 = default, a30 = default;
        Vector512<float> a01 = default, a11 = default, a21 = default, a31 = default;
        Vector512<float> a02 = default, a12 = default, a22 = default, a32 = default;
        for (; c <= columns - 32; c += 32)
        {
            Prefetch.Rows(p0 + c, p1 + c, p2 + c, p3 + c, ahead);
            var v0 = Vector512.Load((uint*)(p0 + c));
            var v1 = Vector512.Load((uint*)(p1 + c));
            var v2 = Vector512.Load((uint*)(p2 + c));
            var v3 = Vector512.Load((uint*)(p3 + c));
            // The even columns (each dword's low half, shifted up), then the odd ones (the high half).
            var w0 = (v0 << 16).AsSingle();
            var w1 = (v1 << 16).AsSingle();
            var w2 = (v2 << 16).AsSingle();
            var w3 = (v3 << 16).AsSingle();
            var xv = Vector512.Load(x0 + c);
            a00 = Avx512F.FusedMultiplyAdd(w0, xv, a00);
            a10 = Avx512F.FusedMultiplyAdd(w1, xv, a10);
            a20 = Avx512F.FusedMultiplyAdd(w2, xv, a20);
            a30 = Avx512F.FusedMultiplyAdd(w3, xv, a30);
            xv = Vector512.Load(x1 + c);
            a01 = Avx512F.FusedMultiplyAdd(w0, xv, a01);
            a11 = Avx512F.FusedMultiplyAdd(w1, xv, a11);
            a21 = Avx512F.FusedMultiplyAdd(w2, xv, a21);
            a31 = Avx512F.FusedMultiplyAdd(w3, xv, a31);
            if (T.Count > 2)
            {
                xv = Vector512.Load(x2 + c);
                a02 = Avx512F.FusedMultiplyAdd(w0, xv, a02);
                a12 = Avx512F.FusedMultiplyAdd(w1, xv, a12);
                a22 = Avx512F.FusedMultiplyAdd(w2, xv, a22);
                a32 = Avx512F.FusedMultiplyAdd(w3, xv, a32);
            }
            w0 = (v0 & HighHalf).AsSingle();
            w1 = (v1 & HighHalf).AsSingle();
            w2 = (v2 & HighHalf).AsSingle();
            w3 = (v3 & HighHalf).AsSingle();
            xv = Vector512.Load(x0 + c + 16);
            a00 = Avx512F.FusedMultiplyAdd(w0, xv, a00);
            a10 = Avx512F.FusedMultiplyAdd(w1, xv, a10);
            a20 = Avx512F.FusedMultiplyAdd(w2, xv, a20);
            a30 = Avx512F.FusedMultiplyAdd(w3, xv, a30);
            xv = Vector512.Load(x1 + c + 16);
            a01 = Avx512F.FusedMultiplyAdd(w0, xv, a01);
            a11 = Avx512F.FusedMultiplyAdd(w1, xv, a11);
            a21 = Avx512F.FusedMultiplyAdd(w2, xv, a21);
            a31 = Avx512F.FusedMultiplyAdd(w3, xv, a31);
            if (T.Count > 2)
            {
                xv = Vector512.Load(x2 + c + 16);
                a02 = Avx512F.FusedMultiplyAdd(w0, xv, a02);
                a12 = Avx512F.FusedMultiplyAdd(w1, xv, a12);
                a22 = Avx512F.FusedMultiplyAdd(w2, xv, a22);
                a32 = Avx512F.FusedMultiplyAdd(w3, xv, a32);
            }
        }
        Reduce.Sum4(a00, a10, a20, a30).Store(y);
        Reduce.Sum4(a01, a11, a21, a31).Store(y + yStride);
        if (T.Count > 2)
        {
            Reduce.Sum4(a02, a12, a22, a32).Store(y + 2L * yStride);
        }
        return c;
    }

    private static int FusedFp8<T, TNans>(WeightMatrix w, int row0, float* x, float* y, int yStride)
        where T : struct, ITokenCount
        where TNans : struct, IFp8Nans
    {
        nint ahead = Prefetch.Ahead(w.Shape.RowBytes);
        int columns = w.Columns, block = w.Shape.BlockColumns, k = 0;
        byte* p0 = (byte*)w.Data + (long)row0 * columns, p1 = p0 + columns, p2 = p1 + columns, p3 = p2 + columns;
        float* s0 = ScaleRow(w, row0), s1 = ScaleRow(w, row0 + 1), s2 = ScaleRow(w, row0 + 2), s3 = ScaleRow(w, row0 + 3);
        float* x0 = x, x1 = x0 + columns, x2 = x1 + columns;
        Vector512<float> a00 = default, a10 = default, a20 = default, a30 = default;
        Vector512<float> a01 = default, a11 = default, a21 = default, a31 = default;
        Vector512<float> a02 = default, a12 = default, a22 = default, a32 = default;
        // Blocks are whole vectors (see FusedTokenLimit), so a block's scale holds for each vector.
        for (int b0 = 0, b = 0; b0 <= columns - 16; b0 += block, b++)
        {
            float scale0 = s0[b], scale1 = s1[b], scale2 = s2[b], scale3 = s3[b];
            int b1 = Math.Min(columns, b0 + block);
            for (k = b0; k <= b1 - 16; k += 16)
            {
                if ((k & 63) < 16)
                {
                    Prefetch.Rows(p0 + k, p1 + k, p2 + k, p3 + k, ahead);
                }
                var w0 = Fp8<TNans>(p0 + k) * scale0;
                var w1 = Fp8<TNans>(p1 + k) * scale1;
                var w2 = Fp8<TNans>(p2 + k) * scale2;
                var w3 = Fp8<TNans>(p3 + k) * scale3;
                var xv = Vector512.Load(x0 + k);
                a00 = Avx512F.FusedMultiplyAdd(w0, xv, a00);
                a10 = Avx512F.FusedMultiplyAdd(w1, xv, a10);
                a20 = Avx512F.FusedMultiplyAdd(w2, xv, a20);
                a30 = Avx512F.FusedMultiplyAdd(w3, xv, a30);
                xv = Vector512.Load(x1 + k);
                a01 = Avx512F.FusedMultiplyAdd(w0, xv, a01);
                a11 = Avx512F.FusedMultiplyAdd(w1, xv, a11);
                a21 = Avx512F.FusedMultiplyAdd(w2, xv, a21);
                a31 = Avx512F.FusedMultiplyAdd(w3, xv, a31);
                if (T.Count > 2)
                {
                    xv = Vector512.Load(x2 + k);
                    a02 = Avx512F.FusedMultiplyAdd(w0, xv, a02);
                    a12 = Avx512F.FusedMultiplyAdd(w1, xv, a12);
                    a22 = Avx512F.FusedMultiplyAdd(w2, xv, a22);
                    a32 = Avx512F.FusedMultiplyAdd(w3, xv, a32);
                }
            }
        }
        Reduce.Sum4(a00, a10, a20, a30).Store(y);
        Reduce.Sum4(a01, a11, a21, a31).Store(y + yStride);
        if (T.Count > 2)
        {
            Reduce.Sum4(a02, a12, a22, a32).Store(y + 2L * yStride);
        }
        return k;
    }

    /// <summary>
    /// int4 rows take the matrix's constants (<see cref="Int4Setup"/>) once a call, not once per four
    /// rows and token group, as the one-token matvec does (see IsaKernels.MatVecRows): their
    /// divisions cost about as much as an expert down projection's two chunks a row. Calls
    /// alternated in one process (Kernels.Benchmarks --quick --formats int4 --resident, one
    /// thread): [1024, 256] 2 / 4 / 8 tokens 10.6 / 14.9 / 29.6 against 15.1 / 20.6 / 40.8 µs,
    /// [512, 1024] 15.9 / 25.7 / 53.2 against 18.3 / 28.3 / 57.4; decode steps of the INT4 bench
    /// model alternated in one process, 64 sequences 0.89-0.93 of the old median step, 8 sequences
    /// 0.97-0.99. Other formats take the base's loop.
    /// </summary>
    public override void FusedRows(WeightMatrix w, int row0, int row1, float* x, int tokens, float* y, int yStride)
    {
        if (w.Format != WeightFormat.Int4Group)
        {
            base.FusedRows(w, row0, row1, x, tokens, y, yStride);
            return;
        }
        var setup = new Int4Setup(w);
        int columns = w.Columns, group = FusedTokensFor(w.Format);
        for (int row = row0; row < row1; row += 4)
        {
            for (int t = 0, n; t < tokens; t += n)
            {
                n = TokenGroup(tokens - t, group);
                float* xt = x + (long)t * columns;
                float* yt = y + (long)t * yStride + row;
                if (n == 1)
                {
                    MatVec4(w, row, xt, yt);
                }
                else
                {
                    Int4Tokens(w, row, xt, n, yt, yStride, setup);
                }
            }
        }
    }

    /// <summary>Rows row0..+3 times 2-4 tokens of int4 (<see cref="FusedInt4{T}"/>), the columns past its last whole chunk added after.</summary>
    private static void Int4Tokens(WeightMatrix w, int row0, float* x, int tokens, float* y, int yStride, in Int4Setup setup)
    {
        int end = tokens switch
        {
            2 => FusedInt4<TwoTokens>(w, row0, x, y, yStride, setup),
            3 => FusedInt4<ThreeTokens>(w, row0, x, y, yStride, setup),
            _ => FusedInt4<FourTokens>(w, row0, x, y, yStride, setup),
        };
        if (end < w.Columns)
        {
            Tails.AddDecodedDots(w, row0, x, tokens, end, y, yStride);
        }
    }

    /// <summary>What the int4 few-token kernels derive from a matrix's shape, once a call.</summary>
    private readonly struct Int4Setup(WeightMatrix w)
    {
        public readonly nint Ahead = Prefetch.Ahead(w.Shape.RowBytes);
        public readonly GroupCursor Start = new(w.Shape.GroupSize, ChunkColumns, 0);
        public readonly Vector512<short> ScaleWords = ScaleWords(w.Shape.GroupSize);
    }

    // Two rows at a time: eight accumulators a pair, and eight for a chunk's unscaled products,
    // beside the nibble decode's words, table and scales (four rows' worth of both were slower: the
    // scaled sums no longer fit in registers). The set-up (prefetch distance, group cursor, the
    // rows' scales) is paid once for both pairs, which matters for short rows: a down
    // projection's 256 columns are two chunks. Scales are read as stored, a chunk's at a time: a
    // float copy of the rows' scales in scratch for each call took an eighth of the kernel's time
    // at four tokens an expert.
    private static int FusedInt4<T>(WeightMatrix w, int row0, float* x, float* y, int yStride, in Int4Setup setup)
        where T : struct, ITokenCount
    {
        int columns = w.Columns, rowWords = columns / 8, words = rowWords / 16 * 16;
        int groups = w.Shape.ScaleColumns;
        nint ahead = setup.Ahead;
        var start = setup.Start;
        var scaleWords = setup.ScaleWords;
        float* x0 = x, x1 = x0 + columns, x2 = x1 + columns, x3 = x2 + columns;
        for (int pair = 0; pair < 4; pair += 2)
        {
            uint* p0 = (uint*)w.Data + (long)(row0 + pair) * rowWords, p1 = p0 + rowWords;
            ushort* s0 = (ushort*)w.Scales + (long)(row0 + pair) * groups, s1 = s0 + groups;
            var cursor = start;
            Vector512<float> a00 = default, a10 = default, a01 = default, a11 = default;
            Vector512<float> a02 = default, a12 = default, a03 = default, a13 = default;
            for (int c = 0; c < words; c += 16)
            {
                Prefetch.Line(p0 + c, ahead);
                Prefetch.Line(p1 + c, ahead);
                int g0 = cursor.Group;
                cursor.Advance();
                var q0 = Vector512.Load((int*)p0 + c);
                var q1 = Vector512.Load((int*)p1 + c);
                // A chunk's lanes keep their groups through its eight nibbles, so the integer
                // products are summed first and scaled once a chunk, as the one-token matvec does:
                // a multiply per nibble vector would take a slot of the FMA pipes the tokens need.
                Vector512<float> i00 = default, i10 = default, i01 = default, i11 = default;
                Vector512<float> i02 = default, i12 = default, i03 = default, i13 = default;
                for (int k = c * 8, end = k + ChunkColumns; k < end; k += 16)
                {
                    var w0 = LowNibble(q0);
                    var w1 = LowNibble(q1);
                    var xv = Vector512.Load(x0 + k);
                    i00 = Avx512F.FusedMultiplyAdd(w0, xv, i00);
                    i10 = Avx512F.FusedMultiplyAdd(w1, xv, i10);
                    xv = Vector512.Load(x1 + k);
                    i01 = Avx512F.FusedMultiplyAdd(w0, xv, i01);
                    i11 = Avx512F.FusedMultiplyAdd(w1, xv, i11);
                    if (T.Count > 2)
                    {
                        xv = Vector512.Load(x2 + k);
                        i02 = Avx512F.FusedMultiplyAdd(w0, xv, i02);
                        i12 = Avx512F.FusedMultiplyAdd(w1, xv, i12);
                    }
                    if (T.Count > 3)
                    {
                        xv = Vector512.Load(x3 + k);
                        i03 = Avx512F.FusedMultiplyAdd(w0, xv, i03);
                        i13 = Avx512F.FusedMultiplyAdd(w1, xv, i13);
                    }
                    q0 = Vector512.ShiftRightLogical(q0, 4);
                    q1 = Vector512.ShiftRightLogical(q1, 4);
                }
                var scale0 = StoredGroupScales(s0 + g0, cursor.GroupsPerChunk, scaleWords);
                var scale1 = StoredGroupScales(s1 + g0, cursor.GroupsPerChunk, scaleWords);
                a00 = Avx512F.FusedMultiplyAdd(i00, scale0, a00);
                a10 = Avx512F.FusedMultiplyAdd(i10, scale1, a10);
                a01 = Avx512F.FusedMultiplyAdd(i01, scale0, a01);
                a11 = Avx512F.FusedMultiplyAdd(i11, scale1, a11);
                if (T.Count > 2)
                {
                    a02 = Avx512F.FusedMultiplyAdd(i02, scale0, a02);
                    a12 = Avx512F.FusedMultiplyAdd(i12, scale1, a12);
                }
                if (T.Count > 3)
                {
                    a03 = Avx512F.FusedMultiplyAdd(i03, scale0, a03);
                    a13 = Avx512F.FusedMultiplyAdd(i13, scale1, a13);
                }
            }
            float* yp = y + pair;
            StoreTwoRowsTwoTokens(Reduce.Sum4(a00, a10, a01, a11), yp, yStride);
            if (T.Count > 3)
            {
                StoreTwoRowsTwoTokens(Reduce.Sum4(a02, a12, a03, a13), yp + 2L * yStride, yStride);
            }
            else if (T.Count > 2)
            {
                yp[2L * yStride] = Vector512.Sum(a02);
                yp[2L * yStride + 1] = Vector512.Sum(a12);
            }
        }
        return words * 8;
    }
}
