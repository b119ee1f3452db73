using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Kimi.Cluster.Kernels.Isa;

/// <summary>
/// AVX2 fused matvecs for two tokens: each weight vector is decoded once in registers and
/// multiplied into both tokens' sums. int4 runs two rows at a time (four unscaled sums of a chunk,
/// four scaled ones, the two rows' words and the operands fit the 16 ymm registers); bf16 four
/// rows at a time, one sum per row and token (eight), its even and odd halves adding into the same
/// sum; float32 through the tile's own 4 × 2 dot on the rows in place. A few tokens a matrix, as decode batches give attention and shared
/// experts and 64 requests in flight give each of top-8 of 128 experts, otherwise each took a
/// decoded tile.
/// </summary>
internal sealed unsafe partial class Avx2Kernels
{
    public override int FusedTokensFor(WeightFormat format) => format == WeightFormat.Fp8Block ? FusedTokens : 2;

    // Pairs of tokens over rows kept in L1/L2 against a decoded tile, int4 [256, 1024] and
    // [1024, 256], one thread in cache (kernel benchmark, AVX2 forced): 2 tokens 20 against 31–43 µs,
    // 4 tokens 39–41 against 42–54 µs, 8 tokens 81 against 65–76 µs.
    // bf16 and float32 pairs against the tile, the same benchmark, --resident: bf16 [256, 1024] at
    // 2 / 8 / 16 tokens 11.0 / 44.5 / 88 against 20 / 50 / 91 µs, [2048, 7168] 0.81–0.87 / 2.73 /
    // 5.32 against 2.03 / 3.89–3.97 / 6.28–6.42 ms; float32 (Dot4 on the rows in place) 10.7 against
    // 26 µs at 2 tokens, [2048, 7168] 3.7–3.8 against 5.3 ms at 8, and a variant with software
    // prefetch lost to the tile at 16 there (9.7 against 7.8–8.0 ms). fp8
    // pairs (four rows, and two) were slower than the tile even at 2 tokens, [256, 1024] 70 against
    // 47–54 µs: its decode, not the weight reads, bounds AVX2 fp8 (1 token reads 7–10 GB/s in cache).
    public override int FusedTokenLimit(WeightMatrix w) => w.Format switch
    {
        WeightFormat.Int4Group => 4,
        WeightFormat.BFloat16 => 16,
        WeightFormat.Float32 => 8,
        _ => 0,
    };

    public override void MatVec4Tokens(WeightMatrix w, int row0, float* x, int tokens, float* y, int yStride)
    {
        if (tokens != 2 || w.Format == WeightFormat.Fp8Block)
        {
            throw new NotSupportedException($"{w.Shape}: no {tokens}-token matvec on the AVX2 path");
        }
        int end = w.Format switch
        {
            WeightFormat.Int4Group => FusedInt4TwoTokens(w, row0, x, y, yStride),
            WeightFormat.BFloat16 => FusedBFloat16TwoTokens(w, row0, x, y, yStride),
            _ => FusedFloat32TwoTokens(w, row0, x, y, yStride),
        };
        if (end < w.Columns)
        {
            Tails.AddDecodedDots(w, row0, x, tokens, end, y, yStride);
        }
    }

    // float32 rows are already what Dot4 dots a decoded tile with: it reads them in place.
    private int FusedFloat32TwoTokens(WeightMatrix w, int row0, float* x, float* y, int yStride)
    {
        int columns = w.Columns;
        float* sums = stackalloc float[8];
        Dot4((float*)w.Data + (long)row0 * columns, columns, x, columns, 2, columns, sums);
        Vector128.Load(sums).Store(y);
        Vector128.Load(sums + 4).Store(y + yStride);
        return columns;
    }

    // Inputs come split per 16 columns, the even ones then the odd ones (InputLayout), so a dword
    // load gives both halves' weights without shuffles.
    private static int FusedBFloat16TwoTokens(WeightMatrix w, int row0, float* x, float* y, int yStride)
    {
        nint ahead = Prefetch.Ahead(w.Shape.RowBytes);
        int columns = w.Columns, c = 0;
        ushort* p0 = (ushort*)w.Data + (long)row0 * columns, p1 = p0 + columns, p2 = p1 + columns, p3 = p2 + columns;
        float* x0 = x, x1 = x0 + columns;
        Vector256<float> a00 = default, a10 = default, a20 = default, a30 = default;
        Vector256<float> a01 = default, a11 = default, a21 = default, a31 = default;
        for (; c <= columns - 16; c += 16)
        {
            Prefetch.Rows(p0 + c, p1 + c, p2 + c, p3 + c, ahead);
            var xe0 = Vector256.Load(x0 + c);
            var xo0 = Vector256.Load(x0 + c + 8);
            var xe1 = Vector256.Load(x1 + c);
            var xo1 = Vector256.Load(x1 + c + 8);
            var v = Vector256.Load((uint*)(p0 + c));
            var even = (v << 16).AsSingle();
            var odd = (v & HighHalf).AsSingle();
            a00 = Fma.MultiplyAdd(odd, xo0, Fma.MultiplyAdd(even, xe0, a00));
            a01 = Fma.MultiplyAdd(odd, xo1, Fma.MultiplyAdd(even, xe1, a01));
            v = Vector256.Load((uint*)(p1 + c));
            even = (v << 16).AsSingle();
            odd = (v & HighHalf).AsSingle();
            a10 = Fma.MultiplyAdd(odd, xo0, Fma.MultiplyAdd(even, xe0, a10));
            a11 = Fma.MultiplyAdd(odd, xo1, Fma.MultiplyAdd(even, xe1, a11));
            v = Vector256.Load((uint*)(p2 + c));
            even = (v << 16).AsSingle();
            odd = (v & HighHalf).AsSingle();
            a20 = Fma.MultiplyAdd(odd, xo0, Fma.MultiplyAdd(even, xe0, a20));
            a21 = Fma.MultiplyAdd(odd, xo1, Fma.MultiplyAdd(even, xe1, a21));
            v = Vector256.Load((uint*)(p3 + c));
            even = (v << 16).AsSingle();
            odd = (v & HighHalf).AsSingle();
            a30 = Fma.MultiplyAdd(odd, xo0, Fma.MultiplyAdd(even, xe0, a30));
            a31 = Fma.MultiplyAdd(odd, xo1, Fma.MultiplyAdd(even, xe1, a31));
        }
        Reduce.Sum4(a00, a10, a20, a30).Store(y);
        Reduce.Sum4(a01, a11, a21, a31).Store(y + yStride);
        return c;
    }

    // A chunk's lanes keep their groups through its eight nibbles, so the integer products are
    // summed first and scaled once a chunk, as the one-token matvec does.
    private static int FusedInt4TwoTokens(WeightMatrix w, int row0, float* x, float* y, int yStride)
    {
        int columns = w.Columns, rowWords = columns / 8, words = rowWords / 8 * 8;
        int groups = w.Shape.ScaleColumns;
        nint ahead = Prefetch.Ahead(w.Shape.RowBytes);
        var start = new GroupCursor(w.Shape.GroupSize, ChunkColumns, 0);
        var laneGroup = Vector256.ShiftRightLogical(LaneColumns, BitOperations.Log2((uint)w.Shape.GroupSize));
        for (int pair = 0; pair < 4; pair += 2)
        {
            uint* p0 = (uint*)w.Data + (long)(row0 + pair) * rowWords, p1 = p0 + rowWords;
            ushort* s0 = (ushort*)w.Scales + (long)(row0 + pair) * groups, s1 = s0 + groups;
            var cursor = start;
            Vector256<float> a00 = default, a10 = default, a01 = default, a11 = default;
            for (int c = 0; c < words; c += 8)
            {
                Prefetch.Line(p0 + c, ahead);
                Prefetch.Line(p1 + c, ahead);
                int g0 = cursor.Group;
                cursor.Advance();
                var q0 = Vector256.Load((int*)p0 + c) ^ NibbleBias;
                var q1 = Vector256.Load((int*)p1 + c) ^ NibbleBias;
                float* x0 = x + c * 8, x1 = x0 + columns;
                Vector256<float> i00 = default, i10 = default, i01 = default, i11 = default;
                // As in MatVecInt4: the top nibble first, each shift bringing the next one up.
                for (int j = 7; j >= 0; j--)
                {
                    var w0 = TopNibble(q0);
                    var w1 = TopNibble(q1);
                    var xv = Vector256.Load(x0 + 8 * j);
                    i00 = Fma.MultiplyAdd(w0, xv, i00);
                    i10 = Fma.MultiplyAdd(w1, xv, i10);
                    xv = Vector256.Load(x1 + 8 * j);
                    i01 = Fma.MultiplyAdd(w0, xv, i01);
                    i11 = Fma.MultiplyAdd(w1, xv, i11);
                    q0 <<= 4;
                    q1 <<= 4;
                }
                var scale0 = StoredGroupScales(s0 + g0, cursor.GroupsPerChunk, laneGroup);
                var scale1 = StoredGroupScales(s1 + g0, cursor.GroupsPerChunk, laneGroup);
                a00 = Fma.MultiplyAdd(i00, scale0, a00);
                a10 = Fma.MultiplyAdd(i10, scale1, a10);
                a01 = Fma.MultiplyAdd(i01, scale0, a01);
                a11 = Fma.MultiplyAdd(i11, scale1, a11);
            }
            StoreTwoRowsTwoTokens(Reduce.Sum4(a00, a10, a01, a11), y + pair, yStride);
        }
        return words * 8;
    }
}
