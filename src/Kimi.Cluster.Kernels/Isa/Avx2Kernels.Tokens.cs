using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Kimi.Cluster.Kernels.Isa;

/// <summary>
/// AVX2 fused int4 matvec for two tokens: each nibble vector is decoded once in registers and
/// multiplied into both tokens' sums, two rows at a time (four unscaled sums of a chunk, four scaled
/// ones, the two rows' words and the operands fit the 16 ymm registers). A few tokens an expert, as
/// 64 requests in flight give top-8 of 128 experts, otherwise each took a decoded tile.
/// </summary>
internal sealed unsafe partial class Avx2Kernels
{
    public override int FusedTokensFor(WeightFormat format) => format == WeightFormat.Int4Group ? 2 : FusedTokens;

    // Pairs of tokens over rows kept in L1/L2 against a decoded tile, int4 [256, 1024] and
    // [1024, 256], one thread in cache (kernel benchmark, AVX2 forced): 2 tokens 20 against 31–43 µs,
    // 4 tokens 39–41 against 42–54 µs, 8 tokens 81 against 65–76 µs.
    public override int FusedTokenLimit(WeightMatrix w) => w.Format == WeightFormat.Int4Group ? 4 : 0;

    public override void MatVec4Tokens(WeightMatrix w, int row0, float* x, int tokens, float* y, int yStride)
    {
        if (w.Format != WeightFormat.Int4Group || tokens != 2)
        {
            throw new NotSupportedException($"{w.Shape}: no {tokens}-token matvec on the AVX2 path");
        }
        int end = FusedInt4TwoTokens(w, row0, x, y, yStride);
        if (end < w.Columns)
        {
            Tails.AddDecodedDots(w, row0, x, tokens, end, y, yStride);
        }
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
