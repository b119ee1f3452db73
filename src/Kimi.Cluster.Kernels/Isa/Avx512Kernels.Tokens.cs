using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Kimi.Cluster.Kernels.Isa;

/// <summary>
/// AVX-512 fused matvecs for 2–3 tokens: each weight vector is decoded once in registers and
/// multiplied into every token's accumulator (4 rows × 3 tokens = 12 zmm; int4, whose decode needs
/// more registers, two rows at a time), so a few decode sequences cost one pass over memory
/// instead of a tile decode plus dots. More tokens run as groups of three over the same four
/// rows, which the later groups find in L1/L2.
/// </summary>
/// <remarks>
/// The accumulators are plain locals written out in each kernel, twelve at most (see IsaKernels'
/// remarks): sixteen, or a struct of them, were loaded and stored every step, halving the FMA rate.
/// </remarks>
internal sealed unsafe partial class Avx512Kernels
{
    public override int FusedTokens => 3;

    // Measured on Zen 4 (2 cores, the kernel benchmark's --quick run, 2048×7168, 1024×256 and
    // 256×1024): groups of three tokens over rows kept in L1/L2 beat a decoded tile up to 16 tokens
    // for bf16, f32 and int4 (1.2–2.5× at 2–8 tokens; even at 32–64 only within noise of it); fp8's
    // decode is dearer, the tile wins from 4 tokens, and its blocks must be whole vectors.
    public override int FusedTokenLimit(WeightMatrix w) => w.Format switch
    {
        WeightFormat.Fp8Block => w.Shape.BlockColumns % 16 == 0 ? 3 : 0,
        _ => 16,
    };

    public override void MatVec4Tokens(WeightMatrix w, int row0, float* x, int tokens, float* y, int yStride)
    {
        int end = (tokens, w.Format) switch
        {
            (2, WeightFormat.Float32) => FusedFloat32<TwoTokens>(w, row0, x, y, yStride),
            (_, WeightFormat.Float32) => FusedFloat32<ThreeTokens>(w, row0, x, y, yStride),
            (2, WeightFormat.BFloat16) => FusedBFloat16<TwoTokens>(w, row0, x, y, yStride),
            (_, WeightFormat.BFloat16) => FusedBFloat16<ThreeTokens>(w, row0, x, y, yStride),
            (2, WeightFormat.Int4Group) => FusedInt4<TwoTokens>(w, row0, x, y, yStride),
            (_, WeightFormat.Int4Group) => FusedInt4<ThreeTokens>(w, row0, x, y, yStride),
            (2, WeightFormat.Fp8Block) => FusedFp8<TwoTokens>(w, row0, x, y, yStride),
            (_, WeightFormat.Fp8Block) => FusedFp8<ThreeTokens>(w, row0, x, y, yStride),
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

    private static int FusedFp8<T>(WeightMatrix w, int row0, float* x, float* y, int yStride)
        where T : struct, ITokenCount
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
                var w0 = Fp8(p0 + k) * scale0;
                var w1 = Fp8(p1 + k) * scale1;
                var w2 = Fp8(p2 + k) * scale2;
                var w3 = Fp8(p3 + k) * scale3;
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

    private static int FusedInt4<T>(WeightMatrix w, int row0, float* x, float* y, int yStride)
        where T : struct, ITokenCount
    {
        int words = w.Columns / 8 / 16 * 16;
        float* scales = Int4Scales(w, row0, 4, 0, w.Shape.ScaleColumns, out int stride);
        Int4RowPair<T>(w, row0, scales, stride, x, y, yStride, words);
        Int4RowPair<T>(w, row0 + 2, scales + 2L * stride, stride, x, y + 2, yStride, words);
        return words * 8;
    }

    // Two rows at a time: six accumulators leave room for the nibble decode's scales, words and table.
    private static void Int4RowPair<T>(WeightMatrix w, int row, float* s0, int stride, float* x, float* y, int yStride, int words)
        where T : struct, ITokenCount
    {
        nint ahead = Prefetch.Ahead(w.Shape.RowBytes);
        int columns = w.Columns, rowWords = columns / 8;
        uint* p0 = (uint*)w.Data + (long)row * rowWords, p1 = p0 + rowWords;
        float* s1 = s0 + stride;
        float* x0 = x, x1 = x0 + columns, x2 = x1 + columns;
        var cursor = new GroupCursor(w.Shape.GroupSize, ChunkColumns, 0);
        var laneGroup = Vector512.ShiftRightLogical(LaneColumns, BitOperations.Log2((uint)w.Shape.GroupSize));
        Vector512<float> a00 = default, a10 = default, a01 = default, a11 = default, a02 = default, a12 = default;
        for (int c = 0; c < words; c += 16)
        {
            Prefetch.Line(p0 + c, ahead);
            Prefetch.Line(p1 + c, ahead);
            var scale0 = GroupScales(s0, cursor.Group, laneGroup);
            var scale1 = GroupScales(s1, cursor.Group, laneGroup);
            cursor.Advance();
            var q0 = Vector512.Load((int*)p0 + c);
            var q1 = Vector512.Load((int*)p1 + c);
            // Nibble j of every lane, scaled exactly as the tile decode scales it.
            for (int k = c * 8, end = k + ChunkColumns; k < end; k += 16)
            {
                var w0 = LowNibble(q0) * scale0;
                var w1 = LowNibble(q1) * scale1;
                var xv = Vector512.Load(x0 + k);
                a00 = Avx512F.FusedMultiplyAdd(w0, xv, a00);
                a10 = Avx512F.FusedMultiplyAdd(w1, xv, a10);
                xv = Vector512.Load(x1 + k);
                a01 = Avx512F.FusedMultiplyAdd(w0, xv, a01);
                a11 = Avx512F.FusedMultiplyAdd(w1, xv, a11);
                if (T.Count > 2)
                {
                    xv = Vector512.Load(x2 + k);
                    a02 = Avx512F.FusedMultiplyAdd(w0, xv, a02);
                    a12 = Avx512F.FusedMultiplyAdd(w1, xv, a12);
                }
                q0 = Vector512.ShiftRightLogical(q0, 4);
                q1 = Vector512.ShiftRightLogical(q1, 4);
            }
        }
        var sums = Reduce.Sum4(a00, a10, a01, a11);
        y[0] = sums[0];
        y[1] = sums[1];
        y[yStride] = sums[2];
        y[yStride + 1] = sums[3];
        if (T.Count > 2)
        {
            y[2L * yStride] = Vector512.Sum(a02);
            y[2L * yStride + 1] = Vector512.Sum(a12);
        }
    }
}
