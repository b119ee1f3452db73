using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Kimi.Cluster.Kernels.Isa;

/// <summary>
/// The many-token tile product as an outer-product micro-kernel: 32 decoded rows transposed into a
/// panel (each depth step's 32 weights one after another), then per depth step two panel vectors
/// times six tokens' broadcast inputs into twelve accumulators, which hold the outputs themselves.
/// The dot-product form (<see cref="Dot4"/>) needs a horizontal reduction per output and a vector
/// load per two multiply-adds; this one needs a vector load per six and a broadcast scalar per two.
/// </summary>
internal sealed unsafe partial class Avx512Kernels
{
    public override int PanelTokens => 6;

    public override void PackPanel(float* tile, int tileStride, int length, float* panel)
    {
        int whole = length / 16 * 16;
        for (int half = 0; half < 2; half++)
        {
            float* rows = tile + (long)half * 16 * tileStride;
            for (int k = 0; k < whole; k += 16)
            {
                Transpose16(rows + k, tileStride, panel + (long)k * PanelRows + half * 16, PanelRows);
            }
        }
        for (int k = whole; k < length; k++)
        {
            for (int r = 0; r < PanelRows; r++)
            {
                panel[(long)k * PanelRows + r] = tile[(long)r * tileStride + k];
            }
        }
    }

    public override void PanelDot(float* panel, int length, float* x, int xStride, int tokens, float* y, int yStride, bool first)
    {
        switch (tokens)
        {
            case 1:
                PanelDot<OneToken>(panel, length, x, xStride, y, yStride, first);
                break;
            case 2:
                PanelDot<TwoTokens>(panel, length, x, xStride, y, yStride, first);
                break;
            case 3:
                PanelDot<ThreeTokens>(panel, length, x, xStride, y, yStride, first);
                break;
            case 4:
                PanelDot<FourTokens>(panel, length, x, xStride, y, yStride, first);
                break;
            case 5:
                PanelDot<FiveTokens>(panel, length, x, xStride, y, yStride, first);
                break;
            default:
                PanelDot<SixTokens>(panel, length, x, xStride, y, yStride, first);
                break;
        }
    }

    // Each output is one multiply-add chain over the depth in order, in its row's lane: a row gets
    // the same bits in any panel position and with any number of tokens beside it.
    private static void PanelDot<T>(float* panel, int length, float* x, int xStride, float* y, int yStride, bool first)
        where T : struct, ITokenCount
    {
        float* x0 = x, x1 = x0 + xStride, x2 = x1 + xStride, x3 = x2 + xStride, x4 = x3 + xStride, x5 = x4 + xStride;
        Vector512<float> a00 = default, a01 = default, a10 = default, a11 = default, a20 = default, a21 = default;
        Vector512<float> a30 = default, a31 = default, a40 = default, a41 = default, a50 = default, a51 = default;
        float* p = panel;
        for (int k = 0; k < length; k++, p += PanelRows)
        {
            var low = Vector512.Load(p);
            var high = Vector512.Load(p + 16);
            var b = Vector512.Create(x0[k]);
            a00 = Avx512F.FusedMultiplyAdd(low, b, a00);
            a01 = Avx512F.FusedMultiplyAdd(high, b, a01);
            if (T.Count > 1)
            {
                b = Vector512.Create(x1[k]);
                a10 = Avx512F.FusedMultiplyAdd(low, b, a10);
                a11 = Avx512F.FusedMultiplyAdd(high, b, a11);
            }
            if (T.Count > 2)
            {
                b = Vector512.Create(x2[k]);
                a20 = Avx512F.FusedMultiplyAdd(low, b, a20);
                a21 = Avx512F.FusedMultiplyAdd(high, b, a21);
            }
            if (T.Count > 3)
            {
                b = Vector512.Create(x3[k]);
                a30 = Avx512F.FusedMultiplyAdd(low, b, a30);
                a31 = Avx512F.FusedMultiplyAdd(high, b, a31);
            }
            if (T.Count > 4)
            {
                b = Vector512.Create(x4[k]);
                a40 = Avx512F.FusedMultiplyAdd(low, b, a40);
                a41 = Avx512F.FusedMultiplyAdd(high, b, a41);
            }
            if (T.Count > 5)
            {
                b = Vector512.Create(x5[k]);
                a50 = Avx512F.FusedMultiplyAdd(low, b, a50);
                a51 = Avx512F.FusedMultiplyAdd(high, b, a51);
            }
        }
        // No call may follow the loop while accumulators are live (vector registers do not survive
        // calls; the JIT would spill them inside the loop): the stores are inlined.
        Put(a00, a01, y, first);
        if (T.Count > 1)
        {
            Put(a10, a11, y + yStride, first);
        }
        if (T.Count > 2)
        {
            Put(a20, a21, y + 2L * yStride, first);
        }
        if (T.Count > 3)
        {
            Put(a30, a31, y + 3L * yStride, first);
        }
        if (T.Count > 4)
        {
            Put(a40, a41, y + 4L * yStride, first);
        }
        if (T.Count > 5)
        {
            Put(a50, a51, y + 5L * yStride, first);
        }
    }

    // One token's outputs of a whole panel's 32 rows.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(Vector512<float> low, Vector512<float> high, float* y, bool first)
    {
        (first ? low : Vector512.Load(y) + low).Store(y);
        (first ? high : Vector512.Load(y + 16) + high).Store(y + 16);
    }

    // destination[j·destinationStride + i] = source[i·sourceStride + j] for i, j < 16: within
    // 128-bit lanes (unpack, then shuffle), then across them (two rounds of 128-bit lane shuffles).
    private static void Transpose16(float* source, int sourceStride, float* destination, int destinationStride)
    {
        var r0 = Vector512.Load(source);
        var r1 = Vector512.Load(source + sourceStride);
        var r2 = Vector512.Load(source + 2L * sourceStride);
        var r3 = Vector512.Load(source + 3L * sourceStride);
        var r4 = Vector512.Load(source + 4L * sourceStride);
        var r5 = Vector512.Load(source + 5L * sourceStride);
        var r6 = Vector512.Load(source + 6L * sourceStride);
        var r7 = Vector512.Load(source + 7L * sourceStride);
        var r8 = Vector512.Load(source + 8L * sourceStride);
        var r9 = Vector512.Load(source + 9L * sourceStride);
        var r10 = Vector512.Load(source + 10L * sourceStride);
        var r11 = Vector512.Load(source + 11L * sourceStride);
        var r12 = Vector512.Load(source + 12L * sourceStride);
        var r13 = Vector512.Load(source + 13L * sourceStride);
        var r14 = Vector512.Load(source + 14L * sourceStride);
        var r15 = Vector512.Load(source + 15L * sourceStride);
        // Per lane: [a0 b0 c0 d0], [a1 b1 c1 d1], ... for each group of four rows.
        FourRows(r0, r1, r2, r3, out var u0, out var u1, out var u2, out var u3);
        FourRows(r4, r5, r6, r7, out var u4, out var u5, out var u6, out var u7);
        FourRows(r8, r9, r10, r11, out var u8, out var u9, out var u10, out var u11);
        FourRows(r12, r13, r14, r15, out var u12, out var u13, out var u14, out var u15);
        // Column 4L + j sits in lane L of u_j (rows 0-3), u_{4+j}, u_{8+j}, u_{12+j}.
        AcrossLanes(u0, u4, u8, u12, destination, destinationStride);
        AcrossLanes(u1, u5, u9, u13, destination + destinationStride, destinationStride);
        AcrossLanes(u2, u6, u10, u14, destination + 2L * destinationStride, destinationStride);
        AcrossLanes(u3, u7, u11, u15, destination + 3L * destinationStride, destinationStride);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FourRows(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d,
        out Vector512<float> column0, out Vector512<float> column1, out Vector512<float> column2, out Vector512<float> column3)
    {
        var ab01 = Avx512F.UnpackLow(a, b);   // a0 b0 a1 b1
        var ab23 = Avx512F.UnpackHigh(a, b);  // a2 b2 a3 b3
        var cd01 = Avx512F.UnpackLow(c, d);
        var cd23 = Avx512F.UnpackHigh(c, d);
        column0 = Avx512F.Shuffle(ab01, cd01, 0x44);
        column1 = Avx512F.Shuffle(ab01, cd01, 0xEE);
        column2 = Avx512F.Shuffle(ab23, cd23, 0x44);
        column3 = Avx512F.Shuffle(ab23, cd23, 0xEE);
    }

    // Columns j, 4 + j, 8 + j and 12 + j (each at destination + 4·lane·stride) from the four row groups' lane vectors.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AcrossLanes(Vector512<float> rows0, Vector512<float> rows4, Vector512<float> rows8, Vector512<float> rows12,
        float* destination, int destinationStride)
    {
        var even04 = Avx512F.Shuffle4x128(rows0, rows4, 0x88);   // lanes 0, 2 of rows 0-3, then of rows 4-7
        var odd04 = Avx512F.Shuffle4x128(rows0, rows4, 0xDD);    // lanes 1, 3
        var even812 = Avx512F.Shuffle4x128(rows8, rows12, 0x88);
        var odd812 = Avx512F.Shuffle4x128(rows8, rows12, 0xDD);
        Avx512F.Shuffle4x128(even04, even812, 0x88).Store(destination);
        Avx512F.Shuffle4x128(odd04, odd812, 0x88).Store(destination + 4L * destinationStride);
        Avx512F.Shuffle4x128(even04, even812, 0xDD).Store(destination + 8L * destinationStride);
        Avx512F.Shuffle4x128(odd04, odd812, 0xDD).Store(destination + 12L * destinationStride);
    }
}
