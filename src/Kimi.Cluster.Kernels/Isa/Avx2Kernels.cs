using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Kimi.Cluster.Kernels.Isa;

/// <summary>
/// The AVX2 + FMA path: 8-float vectors, 4 rows × 2 tokens register blocking (8 accumulators plus
/// operands fit the 16 ymm registers). Format-specific decode lives in the other parts of this class.
/// </summary>
internal sealed unsafe partial class Avx2Kernels : IsaKernels
{
    public override KernelIsa Isa => KernelIsa.Avx2;

    public override int Lanes => 8;

    public override int TokensPerDot => 2;

    public override bool HasMatVec(WeightFormat format) => true;

    public override void MatVecRows(WeightMatrix w, int row0, int row1, float* x, float* y)
    {
        switch (w.Format)
        {
            case WeightFormat.BFloat16:
                MatVecBFloat16(w, row0, row1, x, y);
                break;
            case WeightFormat.Int4Group:
                MatVecInt4(w, row0, row1, x, y);
                break;
            case WeightFormat.Float32:
                for (int row = row0; row < row1; row += 4)
                {
                    MatVecFloat32(w, row, x, y + row);
                }
                break;
            case WeightFormat.Float16:
                for (int row = row0; row < row1; row += 4)
                {
                    MatVecFloat16(w, row, x, y + row);
                }
                break;
            default:
                for (int row = row0; row < row1; row += 4)
                {
                    MatVecFp8(w, row, x, y + row);
                }
                break;
        }
    }

    protected override void DecodeRow(WeightMatrix w, int row, int k0, int length, float* destination)
    {
        switch (w.Format)
        {
            case WeightFormat.BFloat16:
                DecodeBFloat16(w, row, k0, length, destination);
                break;
            case WeightFormat.Int4Group:
                DecodeInt4(w, row, k0, length, destination);
                break;
            case WeightFormat.Fp8Block:
                DecodeFp8(w, row, k0, length, destination);
                break;
            default:
                base.DecodeRow(w, row, k0, length, destination);
                break;
        }
    }

    public override void Dot4(float* w, int wStride, float* x, int xStride, int tokens, int length, float* result)
    {
        float* w1 = w + wStride, w2 = w1 + wStride, w3 = w2 + wStride, x1 = x + xStride;
        Vector256<float> a00 = default, a10 = default, a20 = default, a30 = default;
        Vector256<float> a01 = default, a11 = default, a21 = default, a31 = default;
        int k = 0;
        for (; k <= length - 8; k += 8)
        {
            var xa = Vector256.Load(x + k);
            var xb = Vector256.Load(x1 + k);
            var v = Vector256.Load(w + k);
            a00 = Fma.MultiplyAdd(v, xa, a00);
            a01 = Fma.MultiplyAdd(v, xb, a01);
            v = Vector256.Load(w1 + k);
            a10 = Fma.MultiplyAdd(v, xa, a10);
            a11 = Fma.MultiplyAdd(v, xb, a11);
            v = Vector256.Load(w2 + k);
            a20 = Fma.MultiplyAdd(v, xa, a20);
            a21 = Fma.MultiplyAdd(v, xb, a21);
            v = Vector256.Load(w3 + k);
            a30 = Fma.MultiplyAdd(v, xa, a30);
            a31 = Fma.MultiplyAdd(v, xb, a31);
        }
        // Every accumulator is reduced before any call: vector registers do not survive calls, and
        // the JIT would otherwise spill accumulators inside the loop.
        Reduce.Sum4(a00, a10, a20, a30).Store(result);
        Reduce.Sum4(a01, a11, a21, a31).Store(result + 4);
        if (k < length)
        {
            Tails.AddDots(result, w, wStride, x, xStride, 2, k, length);
        }
    }

    public override void Dot4x1(float* w, int wStride, float* x, int length, float* result)
    {
        float* w1 = w + wStride, w2 = w1 + wStride, w3 = w2 + wStride;
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        int k = 0;
        for (; k <= length - 8; k += 8)
        {
            var xv = Vector256.Load(x + k);
            a0 = Fma.MultiplyAdd(Vector256.Load(w + k), xv, a0);
            a1 = Fma.MultiplyAdd(Vector256.Load(w1 + k), xv, a1);
            a2 = Fma.MultiplyAdd(Vector256.Load(w2 + k), xv, a2);
            a3 = Fma.MultiplyAdd(Vector256.Load(w3 + k), xv, a3);
        }
        Finish(result, w, wStride, x, k, length, a0, a1, a2, a3);
    }

    private static void MatVecFloat32(WeightMatrix w, int row0, float* x, float* result)
    {
        int columns = w.Columns;
        float* w0 = (float*)w.Data + (long)row0 * columns, w1 = w0 + columns, w2 = w1 + columns, w3 = w2 + columns;
        nint ahead = Prefetch.Ahead(w.Shape.RowBytes);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        int k = 0;
        for (; k <= columns - 8; k += 8)
        {
            Prefetch.StreamRows(w0 + k, w1 + k, w2 + k, w3 + k, ahead);
            var xv = Vector256.Load(x + k);
            a0 = Fma.MultiplyAdd(Vector256.Load(w0 + k), xv, a0);
            a1 = Fma.MultiplyAdd(Vector256.Load(w1 + k), xv, a1);
            a2 = Fma.MultiplyAdd(Vector256.Load(w2 + k), xv, a2);
            a3 = Fma.MultiplyAdd(Vector256.Load(w3 + k), xv, a3);
        }
        Finish(result, w0, columns, x, k, columns, a0, a1, a2, a3);
    }

    private static void Finish(
        float* result, float* w0, int wStride, float* x, int k, int length,
        Vector256<float> a0, Vector256<float> a1, Vector256<float> a2, Vector256<float> a3)
    {
        Reduce.Sum4(a0, a1, a2, a3).Store(result);
        if (k < length)
        {
            Tails.AddDots(result, w0, wStride, x, 0, 1, k, length);
        }
    }
}
