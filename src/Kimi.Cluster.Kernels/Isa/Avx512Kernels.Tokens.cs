using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Kimi.Cluster.Kernels.Isa;

/// <summary>
/// AVX-512 fused matvecs for 2–4 tokens: each weight vector is decoded once in registers and
/// multiplied into every token's accumulator (4 rows × 4 tokens = 16 zmm), so a few decode
/// sequences cost one pass over memory instead of a tile decode plus dots.
/// </summary>
internal sealed unsafe partial class Avx512Kernels
{
    public override int FusedTokens => 4;

    // Measured on Zen 4 (2 cores, the kernel benchmark's --quick run, 2048×7168 and 512×1024):
    // groups of four tokens over rows kept in L2 beat a decoded tile up to 8 tokens for bf16/f32
    // (the tile wins by 1.2–1.5× at 16); for int4, whose nibble decode repeats per group, the tile
    // is as fast at 2 tokens and 1.4–2× faster from 4; fp8 decode is dearer still, and its blocks
    // must be whole vectors.
    public override int FusedTokenLimit(WeightMatrix w) => w.Format switch
    {
        WeightFormat.Fp8Block => w.Shape.BlockColumns % 16 == 0 ? 4 : 0,
        WeightFormat.Int4Group => 1,
        _ => 8,
    };

    public override void MatVec4Tokens(WeightMatrix w, int row0, float* x, int tokens, float* y, int yStride)
    {
        switch (tokens)
        {
            case 2:
                Fused<TwoTokens>(w, row0, x, y, yStride);
                break;
            case 3:
                Fused<ThreeTokens>(w, row0, x, y, yStride);
                break;
            default:
                Fused<FourTokens>(w, row0, x, y, yStride);
                break;
        }
    }

    private static void Fused<T>(WeightMatrix w, int row0, float* x, float* y, int yStride)
        where T : struct, ITokenCount
    {
        // Each kernel stores its accumulators itself: handing them to a call would force them to memory.
        int end = w.Format switch
        {
            WeightFormat.Float32 => FusedFloat32<T>(w, row0, x, y, yStride),
            WeightFormat.BFloat16 => FusedBFloat16<T>(w, row0, x, y, yStride),
            WeightFormat.Fp8Block => FusedFp8<T>(w, row0, x, y, yStride),
            _ => throw new NotSupportedException($"{w.Shape}: no multi-token matvec (FusedTokenLimit sends it to the decoded tile)"),
        };
        if (end < w.Columns)
        {
            Tails.AddDecodedDots(w, row0, x, T.Count, end, y, yStride);
        }
    }

    private static int FusedFloat32<T>(WeightMatrix w, int row0, float* x, float* y, int yStride)
        where T : struct, ITokenCount
    {
        var a = new Accumulators();
        int columns = w.Columns, k = 0;
        float* p0 = (float*)w.Data + (long)row0 * columns, p1 = p0 + columns, p2 = p1 + columns, p3 = p2 + columns;
        nint ahead = Prefetch.Ahead(w.Shape.RowBytes);
        var xs = new Inputs<T>(x, columns);
        for (; k <= columns - 16; k += 16)
        {
            Prefetch.Rows(p0 + k, p1 + k, p2 + k, p3 + k, ahead);
            xs.Load(k);
            a.Row<T>(0, Vector512.Load(p0 + k), ref xs);
            a.Row<T>(1, Vector512.Load(p1 + k), ref xs);
            a.Row<T>(2, Vector512.Load(p2 + k), ref xs);
            a.Row<T>(3, Vector512.Load(p3 + k), ref xs);
        }
        a.Store(y, yStride, T.Count);
        return k;
    }

    private static int FusedBFloat16<T>(WeightMatrix w, int row0, float* x, float* y, int yStride)
        where T : struct, ITokenCount
    {
        var a = new Accumulators();
        int columns = w.Columns, c = 0;
        ushort* p0 = (ushort*)w.Data + (long)row0 * columns, p1 = p0 + columns, p2 = p1 + columns, p3 = p2 + columns;
        nint ahead = Prefetch.Ahead(w.Shape.RowBytes);
        var even = new Inputs<T>(x, columns);
        var odd = new Inputs<T>(x + 16, columns);
        for (; c <= columns - 32; c += 32)
        {
            Prefetch.Rows(p0 + c, p1 + c, p2 + c, p3 + c, ahead);
            even.Load(c);
            odd.Load(c);
            BFloat16Row<T>(ref a, 0, Vector512.Load((uint*)(p0 + c)), ref even, ref odd);
            BFloat16Row<T>(ref a, 1, Vector512.Load((uint*)(p1 + c)), ref even, ref odd);
            BFloat16Row<T>(ref a, 2, Vector512.Load((uint*)(p2 + c)), ref even, ref odd);
            BFloat16Row<T>(ref a, 3, Vector512.Load((uint*)(p3 + c)), ref even, ref odd);
        }
        a.Store(y, yStride, T.Count);
        return c;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BFloat16Row<T>(ref Accumulators a, int row, Vector512<uint> v, ref Inputs<T> even, ref Inputs<T> odd)
        where T : struct, ITokenCount
    {
        a.Row<T>(row, (v << 16).AsSingle(), ref even);
        a.Row<T>(row, (v & HighHalf).AsSingle(), ref odd);
    }

    private static int FusedFp8<T>(WeightMatrix w, int row0, float* x, float* y, int yStride)
        where T : struct, ITokenCount
    {
        var a = new Accumulators();
        int columns = w.Columns, block = w.Shape.BlockColumns, k = 0;
        byte* p0 = (byte*)w.Data + (long)row0 * columns, p1 = p0 + columns, p2 = p1 + columns, p3 = p2 + columns;
        nint ahead = Prefetch.Ahead(w.Shape.RowBytes);
        float* s0 = ScaleRow(w, row0), s1 = ScaleRow(w, row0 + 1), s2 = ScaleRow(w, row0 + 2), s3 = ScaleRow(w, row0 + 3);
        var xs = new Inputs<T>(x, columns);
        // Blocks are whole vectors (see FusedTokenLimit), so a block's scale holds for each vector.
        for (int b0 = 0, b = 0; b0 <= columns - 16; b0 += block, b++)
        {
            var scale0 = Vector512.Create(s0[b]);
            var scale1 = Vector512.Create(s1[b]);
            var scale2 = Vector512.Create(s2[b]);
            var scale3 = Vector512.Create(s3[b]);
            int b1 = Math.Min(columns, b0 + block);
            for (k = b0; k <= b1 - 16; k += 16)
            {
                if ((k & 63) < 16)
                {
                    Prefetch.Rows(p0 + k, p1 + k, p2 + k, p3 + k, ahead);
                }
                xs.Load(k);
                a.Row<T>(0, Fp8(p0 + k) * scale0, ref xs);
                a.Row<T>(1, Fp8(p1 + k) * scale1, ref xs);
                a.Row<T>(2, Fp8(p2 + k) * scale2, ref xs);
                a.Row<T>(3, Fp8(p3 + k) * scale3, ref xs);
            }
        }
        a.Store(y, yStride, T.Count);
        return k;
    }
}
