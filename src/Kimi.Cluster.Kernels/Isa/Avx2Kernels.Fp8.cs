using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Kimi.Cluster.Kernels.Formats;

namespace Kimi.Cluster.Kernels.Isa;

/// <summary>AVX2 FP8 E4M3 block-scaled kernels; inputs in natural order.</summary>
internal sealed unsafe partial class Avx2Kernels
{
    // Constants are properties, not static readonly fields (see IsaKernels' remarks).
    private static Vector256<int> Fp8Mask
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector256.Create(FloatBits.Fp8SignAndMagnitudeMask);
    }

    private static Vector256<int> Fp8Nan
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector256.Create(FloatBits.Fp8NanMagnitude);
    }

    private static Vector256<float> Fp8Rebias
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector256.Create(FloatBits.TwoPow120);
    }

    private static Vector256<float> Nan
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector256.Create(float.NaN);
    }

    private static void MatVecFp8(WeightMatrix w, int row0, float* x, float* result)
    {
        if (w.MayHoldFp8Nan)
            MatVecFp8<Fp8MayHoldNans>(w, row0, x, result);
        else
            MatVecFp8<Fp8HoldsNoNans>(w, row0, x, result);
    }

    private static void MatVecFp8<TNans>(WeightMatrix w, int row0, float* x, float* result)
        where TNans : struct, IFp8Nans
    {
        var shape = w.Shape;
        int columns = shape.Columns, block = shape.BlockColumns;
        byte* p0 = (byte*)w.Data + (long)row0 * columns, p1 = p0 + columns, p2 = p1 + columns, p3 = p2 + columns;
        nint ahead = Prefetch.Ahead(w.Shape.RowBytes);
        float* s0 = ScaleRow(w, row0), s1 = ScaleRow(w, row0 + 1), s2 = ScaleRow(w, row0 + 2), s3 = ScaleRow(w, row0 + 3);
        Vector256<float> t0 = default, t1 = default, t2 = default, t3 = default;
        bool tails = false;
        for (int b0 = 0, b = 0; b0 < columns; b0 += block, b++)
        {
            int b1 = Math.Min(columns, b0 + block), k = b0;
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; k <= b1 - 8; k += 8)
            {
                if ((k & 63) < 8)
                {
                    Prefetch.StreamRows(p0 + k, p1 + k, p2 + k, p3 + k, ahead);
                }
                var xv = Vector256.Load(x + k);
                a0 = Fma.MultiplyAdd(Fp8<TNans>(p0 + k), xv, a0);
                a1 = Fma.MultiplyAdd(Fp8<TNans>(p1 + k), xv, a1);
                a2 = Fma.MultiplyAdd(Fp8<TNans>(p2 + k), xv, a2);
                a3 = Fma.MultiplyAdd(Fp8<TNans>(p3 + k), xv, a3);
            }
            t0 = Fma.MultiplyAdd(a0, Vector256.Create(s0[b]), t0);
            t1 = Fma.MultiplyAdd(a1, Vector256.Create(s1[b]), t1);
            t2 = Fma.MultiplyAdd(a2, Vector256.Create(s2[b]), t2);
            t3 = Fma.MultiplyAdd(a3, Vector256.Create(s3[b]), t3);
            tails |= k < b1;
        }
        // Reduced before any call (vector registers do not survive calls); the blocks' scalar
        // remainders follow in one pass.
        Reduce.Sum4(t0, t1, t2, t3).Store(result);
        if (tails)
        {
            Tails.AddFp8BlockRemainders(w, row0, x, 8, result);
        }
    }

    private static int FusedFp8TwoTokens(WeightMatrix w, int row0, float* x, float* y, int yStride) => w.MayHoldFp8Nan
        ? FusedFp8TwoTokens<Fp8MayHoldNans>(w, row0, x, y, yStride)
        : FusedFp8TwoTokens<Fp8HoldsNoNans>(w, row0, x, y, yStride);

    /// <summary>
    /// Rows row0..+3 times two tokens (natural order, the second Columns after the first) into y[r]
    /// and y[yStride + r], two rows at a time: each weight vector decoded once for both tokens' sums,
    /// per block as the one-token matvec sums them. Blocks are whole vectors (see FusedTokenLimit);
    /// returns the columns done, the last whole vector's end (the caller adds the rest).
    /// </summary>
    private static int FusedFp8TwoTokens<TNans>(WeightMatrix w, int row0, float* x, float* y, int yStride)
        where TNans : struct, IFp8Nans
    {
        var shape = w.Shape;
        int columns = shape.Columns, block = shape.BlockColumns, whole = columns / 8 * 8;
        nint ahead = Prefetch.Ahead(shape.RowBytes);
        float* x0 = x, x1 = x + columns;
        for (int pair = 0; pair < 4; pair += 2)
        {
            byte* p0 = (byte*)w.Data + (long)(row0 + pair) * columns, p1 = p0 + columns;
            float* s0 = ScaleRow(w, row0 + pair), s1 = ScaleRow(w, row0 + pair + 1);
            Vector256<float> t00 = default, t10 = default, t01 = default, t11 = default;
            for (int b0 = 0, b = 0; b0 < whole; b0 += block, b++)
            {
                int b1 = Math.Min(whole, b0 + block);
                Vector256<float> a00 = default, a10 = default, a01 = default, a11 = default;
                for (int k = b0; k < b1; k += 8)
                {
                    if ((k & 63) == 0)
                    {
                        Prefetch.Line(p0 + k, ahead);
                        Prefetch.Line(p1 + k, ahead);
                    }
                    var w0 = Fp8<TNans>(p0 + k);
                    var w1 = Fp8<TNans>(p1 + k);
                    var xv = Vector256.Load(x0 + k);
                    a00 = Fma.MultiplyAdd(w0, xv, a00);
                    a10 = Fma.MultiplyAdd(w1, xv, a10);
                    xv = Vector256.Load(x1 + k);
                    a01 = Fma.MultiplyAdd(w0, xv, a01);
                    a11 = Fma.MultiplyAdd(w1, xv, a11);
                }
                var scale0 = Vector256.Create(s0[b]);
                var scale1 = Vector256.Create(s1[b]);
                t00 = Fma.MultiplyAdd(a00, scale0, t00);
                t10 = Fma.MultiplyAdd(a10, scale1, t10);
                t01 = Fma.MultiplyAdd(a01, scale0, t01);
                t11 = Fma.MultiplyAdd(a11, scale1, t11);
            }
            StoreTwoRowsTwoTokens(Reduce.Sum4(t00, t10, t01, t11), y + pair, yStride);
        }
        return whole;
    }

    private static void DecodeFp8(WeightMatrix w, int row, int k0, int length, float* destination)
    {
        if (w.MayHoldFp8Nan)
            DecodeFp8<Fp8MayHoldNans>(w, row, k0, length, destination);
        else
            DecodeFp8<Fp8HoldsNoNans>(w, row, k0, length, destination);
    }

    private static void DecodeFp8<TNans>(WeightMatrix w, int row, int k0, int length, float* destination)
        where TNans : struct, IFp8Nans
    {
        int block = w.Shape.BlockColumns, end = k0 + length;
        byte* p = (byte*)w.Data + (long)row * w.Columns;
        float* scales = ScaleRow(w, row);
        nint ahead = Prefetch.DecodeAhead(w);
        for (int b0 = k0 / block * block; b0 < end; b0 += block)
        {
            int from = Math.Max(b0, k0), to = Math.Min(end, b0 + block), k = from;
            float s = scales[b0 / block];
            var scale = Vector256.Create(s);
            for (; k <= to - 8; k += 8)
            {
                if ((k & 63) < 8)
                {
                    Prefetch.Line(p + k, ahead);
                }
                (Fp8<TNans>(p + k) * scale).Store(destination + k - k0);
            }
            for (; k < to; k++)
            {
                destination[k - k0] = Fp8E4M3.ToFloat(p[k]) * s;
            }
        }
    }

    private static float* ScaleRow(WeightMatrix w, int row) =>
        (float*)w.Scales + (long)(row / w.Shape.BlockRows) * w.Shape.ScaleColumns;

    // Sign-extending the byte and shifting by 20 puts the sign at bit 31 and the 7 magnitude bits at
    // float32's exponent/mantissa boundary; × 2^120 rebiases the exponent (subnormals included).
    // NaN bytes would come out as ±480: selected as NaN only where the matrix may hold them.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Fp8<TNans>(byte* p)
        where TNans : struct, IFp8Nans
    {
        var bits = (Avx2.ConvertToVector256Int32((sbyte*)p) << 20) & Fp8Mask;
        var value = bits.AsSingle() * Fp8Rebias;
        if (!TNans.Possible)
        {
            return value;
        }
        var nan = Vector256.Equals(bits & Fp8Nan, Fp8Nan).AsSingle();
        return Vector256.ConditionalSelect(nan, Nan, value);
    }
}
