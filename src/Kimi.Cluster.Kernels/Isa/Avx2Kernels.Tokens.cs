using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Kimi.Cluster.Kernels.Isa;

/// <summary>
/// AVX2 fused matvecs for two tokens: each weight vector is decoded once in registers and
/// multiplied into both tokens' sums. int4 runs two rows at a time (four unscaled sums of a chunk,
/// four scaled ones, the two rows' words and the operands fit the 16 ymm registers), its nibbles
/// masked in place as the one-token matvec's are, on inputs scaled once a call; bf16 four
/// rows at a time, one sum per row and token (eight), its even and odd halves adding into the same
/// sum; fp8 two rows at a time, summed per block as its one-token matvec sums; float32 through the
/// tile's own 4 × 2 dot on the rows in place. A few tokens a matrix, as decode batches give
/// attention and shared experts and 64 requests in flight give each of top-8 of 128 experts,
/// otherwise each took a decoded tile.
/// </summary>
internal sealed unsafe partial class Avx2Kernels
{
    public override int FusedTokensFor(WeightFormat format) => 2;

    // Pairs of tokens over rows kept in L1/L2 against a decoded tile, int4 [512, 1024], [1024, 256]
    // and [2048, 7168], one thread in cache (kernel benchmark, AVX2 forced, calls alternated in one
    // process): 5 tokens 85.2 / 49.1 / 2279 against 100.8 / 61.8 / 2977 µs, 6 tokens 93.5 / 51.4 /
    // 2605 against 104.0 / 62.2 / 3188, 8 tokens 123.1 / 68.7 / 3454 against 124.1 / 73.4 / 3820
    // (from memory on two threads, 8 tokens 73.7 / 1831 against 84.2 / 2281); at 10 and 12 tokens
    // the tile is faster (145.3 against 153.7 µs at 10 for [512, 1024]).
    // bf16 and float32 pairs against the tile, the same benchmark, --resident: bf16 [256, 1024] at
    // 2 / 8 / 16 tokens 11.0 / 44.5 / 88 against 20 / 50 / 91 µs, [2048, 7168] 0.81–0.87 / 2.73 /
    // 5.32 against 2.03 / 3.89–3.97 / 6.28–6.42 ms; float32 (Dot4 on the rows in place) 10.7 against
    // 26 µs at 2 tokens, [2048, 7168] 3.7–3.8 against 5.3 ms at 8, and a variant with software
    // prefetch lost to the tile at 16 there (9.7 against 7.8–8.0 ms). fp8
    // pairs (four rows, and two) were slower than the tile even at 2 tokens, [256, 1024] 70 against
    // 47–54 µs: its decode, not the weight reads, bounds AVX2 fp8 (1 token reads 7–10 GB/s in cache).
    // Decoded without the NaN check (a matrix known to hold no NaN byte), fp8 pairs (two rows, each
    // vector decoded once for both tokens) beat the tile up to 4 tokens: [512, 1024] and
    // [2048, 7168], one thread in cache, calls alternated in one process, 3 tokens 92.7 / 2086
    // against 116.0 / 3394 µs, 4 tokens 114.1 / 2392 against 118.9 / 3454 (two threads from memory
    // 78.7 / 1429 against 80.2 / 1930); at 5-8 tokens mixed, [512, 1024] slower (6 tokens 266.9
    // against 183.2). At 2 tokens the pair beat the one-token matvec run once per token over the
    // same rows: 57.8 / 1232 against 73.3 / 1803 µs (from memory 43.5 / 825 against 57.0 / 1042).
    // With the NaN check the tile stays.
    public override int FusedTokenLimit(WeightMatrix w) => w.Format switch
    {
        WeightFormat.Float16 => 0,
        WeightFormat.Int4Group => 8,
        WeightFormat.BFloat16 => 16,
        WeightFormat.Float32 => 8,
        _ => w.Shape.BlockColumns % 8 != 0 || w.MayHoldFp8Nan ? 0 : 4,
    };

    public override void MatVec4Tokens(WeightMatrix w, int row0, float* x, int tokens, float* y, int yStride)
    {
        if (tokens != 2)
        {
            throw new NotSupportedException($"{w.Shape}: no {tokens}-token matvec on the AVX2 path");
        }
        if (w.Format == WeightFormat.Int4Group)
        {
            // The int4 pair takes its inputs scaled (see FusedRows).
            FusedRows(w, row0, row0 + 4, x, tokens, y - row0, yStride);
            return;
        }
        int end = w.Format switch
        {
            WeightFormat.BFloat16 => FusedBFloat16TwoTokens(w, row0, x, y, yStride),
            WeightFormat.Fp8Block => FusedFp8TwoTokens(w, row0, x, y, yStride),
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

    /// <summary>
    /// int4 rows take every token's inputs scaled per nibble once a call (<see cref="ScaledInputs"/>),
    /// not once per four rows: the base's loop reached the one-token matvec, which scales its inputs
    /// each call, for a token left over from the pairs (3 tokens cost 1.8× two before, where one
    /// token's matvec costs about half of two). Pairs of tokens take <see cref="MaskedInt4TwoTokens"/>
    /// with the matrix's constants derived once a call (<see cref="Int4Setup"/>; per four rows they
    /// cost [1024, 256] 2 / 4 / 8 tokens 18.9 / 37.7 / 76.2 against 17.4 / 33.7 / 67.9 µs, one thread
    /// in cache), a lone token <see cref="MatVecInt4Scaled"/>. Other formats take the base's loop.
    /// </summary>
    public override void FusedRows(WeightMatrix w, int row0, int row1, float* x, int tokens, float* y, int yStride)
    {
        if (w.Format != WeightFormat.Int4Group)
        {
            base.FusedRows(w, row0, row1, x, tokens, y, yStride);
            return;
        }
        float* scaled = ScaledInputs(w, x, tokens, out int stride);
        var setup = new Int4Setup(w);
        for (int row = row0; row < row1; row += 4)
        {
            for (int t = 0, n; t < tokens; t += n)
            {
                n = TokenGroup(tokens - t, 2);
                float* xt = x + (long)t * w.Columns, st = scaled + (long)t * stride;
                if (n == 1)
                {
                    MatVecInt4Scaled(w, row, row + 4, st, xt, y + (long)t * yStride);
                }
                else
                {
                    MaskedInt4TwoTokens(w, row, st, stride, xt, y + (long)t * yStride + row, yStride, setup);
                }
            }
        }
    }

    /// <summary>What the int4 pair derives from a matrix's shape, once a call.</summary>
    private readonly struct Int4Setup(WeightMatrix w)
    {
        public readonly nint Ahead = Prefetch.Ahead(w.Shape.RowBytes);
        public readonly GroupCursor Start = new(w.Shape.GroupSize, ChunkColumns, 0);
        public readonly Vector256<int> LaneGroup = Vector256.ShiftRightLogical(LaneColumns, BitOperations.Log2((uint)w.Shape.GroupSize));
    }

    /// <summary>
    /// Rows row0..+3 times two tokens whose inputs <see cref="ScaledInputs"/> scaled (the second
    /// <paramref name="stride"/> floats after the first), into y[r] and y[yStride + r]. Each nibble
    /// masked in place is n·16^j against inputs scaled by 16^-j, so a chunk's lane sums carry the
    /// stored offset of 8 once, taken off with its precomputed 8·Σx before the group scale; the top
    /// nibble, bit 3 flipped and shifted down with its sign, is n − 8 itself (see MatVecInt4). A
    /// mask and a convert a nibble for both tokens' FMAs, where shifting each nibble to the top of
    /// its word and back down took three operations: calls alternated in one process with that
    /// form (Kernels.Benchmarks --quick --formats int4, AVX2 forced), 2 tokens one thread in cache
    /// 30.6 / 17.2 / 850 against 38.7 / 19.6 / 1030 µs ([512, 1024], [1024, 256], [2048, 7168]),
    /// 3 tokens (a pair and a lone token) 53.1 / 31.8 / 1460 against 68.2 / 39.7 / 1851, 4 tokens
    /// 60.6 / 34.0 / 1731 against 79.5 / 38.7 / 2096; from memory on two threads 2 tokens 24.3 / 485
    /// against 25.9 / 554 and 3 tokens 41.9 / 836 against 46.4 / 985. Columns past the last whole
    /// chunk come from <paramref name="x"/> as it came.
    /// </summary>
    private static void MaskedInt4TwoTokens(WeightMatrix w, int row0, float* scaled, int stride, float* x, float* y, int yStride, in Int4Setup setup)
    {
        int columns = w.Columns, rowWords = columns / 8, words = rowWords / 8 * 8, whole = words * 8;
        int groups = w.Shape.ScaleColumns;
        nint ahead = setup.Ahead;
        var start = setup.Start;
        var laneGroup = setup.LaneGroup;
        float* x0 = scaled, x1 = scaled + stride, offsets0 = x0 + whole, offsets1 = x1 + whole;
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
                var q0 = Vector256.Load((int*)p0 + c);
                var q1 = Vector256.Load((int*)p1 + c);
                float* xa = x0 + c * 8, xb = x1 + c * 8;
                var mask = Vector256.Create(0xF);
                var w0 = Avx.ConvertToVector256Single(q0 & mask);
                var w1 = Avx.ConvertToVector256Single(q1 & mask);
                var xv = Vector256.Load(xa);
                var i00 = w0 * xv;
                var i10 = w1 * xv;
                xv = Vector256.Load(xb);
                var i01 = w0 * xv;
                var i11 = w1 * xv;
                AddMaskedNibblePair(q0, q1, Vector256.Create(0xF0), xa + 8, xb + 8, ref i00, ref i10, ref i01, ref i11);
                AddMaskedNibblePair(q0, q1, Vector256.Create(0xF00), xa + 16, xb + 16, ref i00, ref i10, ref i01, ref i11);
                AddMaskedNibblePair(q0, q1, Vector256.Create(0xF000), xa + 24, xb + 24, ref i00, ref i10, ref i01, ref i11);
                AddMaskedNibblePair(q0, q1, Vector256.Create(0xF0000), xa + 32, xb + 32, ref i00, ref i10, ref i01, ref i11);
                AddMaskedNibblePair(q0, q1, Vector256.Create(0xF00000), xa + 40, xb + 40, ref i00, ref i10, ref i01, ref i11);
                AddMaskedNibblePair(q0, q1, Vector256.Create(0xF000000), xa + 48, xb + 48, ref i00, ref i10, ref i01, ref i11);
                w0 = Avx.ConvertToVector256Single(Vector256.ShiftRightArithmetic(q0 ^ TopBit, 28));
                w1 = Avx.ConvertToVector256Single(Vector256.ShiftRightArithmetic(q1 ^ TopBit, 28));
                xv = Vector256.Load(xa + 56);
                i00 = Fma.MultiplyAdd(w0, xv, i00);
                i10 = Fma.MultiplyAdd(w1, xv, i10);
                xv = Vector256.Load(xb + 56);
                i01 = Fma.MultiplyAdd(w0, xv, i01);
                i11 = Fma.MultiplyAdd(w1, xv, i11);
                var scale0 = StoredGroupScales(s0 + g0, cursor.GroupsPerChunk, laneGroup);
                var scale1 = StoredGroupScales(s1 + g0, cursor.GroupsPerChunk, laneGroup);
                var offset0 = Vector256.Load(offsets0 + c);
                var offset1 = Vector256.Load(offsets1 + c);
                a00 = Fma.MultiplyAdd(i00 - offset0, scale0, a00);
                a10 = Fma.MultiplyAdd(i10 - offset0, scale1, a10);
                a01 = Fma.MultiplyAdd(i01 - offset1, scale0, a01);
                a11 = Fma.MultiplyAdd(i11 - offset1, scale1, a11);
            }
            StoreTwoRowsTwoTokens(Reduce.Sum4(a00, a10, a01, a11), y + pair, yStride);
        }
        if (whole < columns)
        {
            Tails.AddDecodedDots(w, row0, x, 2, whole, y, yStride);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddMaskedNibblePair(Vector256<int> q0, Vector256<int> q1, Vector256<int> mask, float* xa, float* xb,
        ref Vector256<float> i00, ref Vector256<float> i10, ref Vector256<float> i01, ref Vector256<float> i11)
    {
        var w0 = Avx.ConvertToVector256Single(q0 & mask);
        var w1 = Avx.ConvertToVector256Single(q1 & mask);
        var xv = Vector256.Load(xa);
        i00 = Fma.MultiplyAdd(w0, xv, i00);
        i10 = Fma.MultiplyAdd(w1, xv, i10);
        xv = Vector256.Load(xb);
        i01 = Fma.MultiplyAdd(w0, xv, i01);
        i11 = Fma.MultiplyAdd(w1, xv, i11);
    }
}
