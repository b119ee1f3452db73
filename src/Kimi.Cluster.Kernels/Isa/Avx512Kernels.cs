using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Kimi.Cluster.Kernels.Isa;

/// <summary>
/// The AVX-512 path: 16-float vectors, FMA, 4 rows × 4 tokens register blocking (16 accumulators
/// of the 32 zmm registers). Format-specific decode lives in the other parts of this class.
/// </summary>
internal sealed unsafe partial class Avx512Kernels : IsaKernels
{
    public override KernelIsa Isa => KernelIsa.Avx512;

    public override int Lanes => 16;

    public override int TokensPerDot => 4;

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
        float* w1 = w + wStride, w2 = w1 + wStride, w3 = w2 + wStride;
        float* x1 = x + xStride, x2 = tokens > 2 ? x1 + xStride : x1, x3 = tokens > 3 ? x2 + xStride : x2;
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
        int k = 0;
        for (; k <= length - 16; k += 16)
        {
            var v0 = Vector512.Load(w + k);
            var v1 = Vector512.Load(w1 + k);
            var v2 = Vector512.Load(w2 + k);
            var v3 = Vector512.Load(w3 + k);
            var xv = Vector512.Load(x + k);
            a00 = Avx512F.FusedMultiplyAdd(v0, xv, a00);
            a10 = Avx512F.FusedMultiplyAdd(v1, xv, a10);
            a20 = Avx512F.FusedMultiplyAdd(v2, xv, a20);
            a30 = Avx512F.FusedMultiplyAdd(v3, xv, a30);
            xv = Vector512.Load(x1 + k);
            a01 = Avx512F.FusedMultiplyAdd(v0, xv, a01);
            a11 = Avx512F.FusedMultiplyAdd(v1, xv, a11);
            a21 = Avx512F.FusedMultiplyAdd(v2, xv, a21);
            a31 = Avx512F.FusedMultiplyAdd(v3, xv, a31);
            xv = Vector512.Load(x2 + k);
            a02 = Avx512F.FusedMultiplyAdd(v0, xv, a02);
            a12 = Avx512F.FusedMultiplyAdd(v1, xv, a12);
            a22 = Avx512F.FusedMultiplyAdd(v2, xv, a22);
            a32 = Avx512F.FusedMultiplyAdd(v3, xv, a32);
            xv = Vector512.Load(x3 + k);
            a03 = Avx512F.FusedMultiplyAdd(v0, xv, a03);
            a13 = Avx512F.FusedMultiplyAdd(v1, xv, a13);
            a23 = Avx512F.FusedMultiplyAdd(v2, xv, a23);
            a33 = Avx512F.FusedMultiplyAdd(v3, xv, a33);
        }
        // Every accumulator is reduced before any call: vector registers do not survive calls, and
        // the JIT would otherwise spill accumulators inside the loop.
        Reduce.Sum4(a00, a10, a20, a30).Store(result);
        Reduce.Sum4(a01, a11, a21, a31).Store(result + 4);
        Reduce.Sum4(a02, a12, a22, a32).Store(result + 8);
        Reduce.Sum4(a03, a13, a23, a33).Store(result + 12);
        if (k < length)
        {
            Tails.AddDots(result, w, wStride, x, xStride, tokens, k, length);
        }
    }

    public override void Dot4x1(float* w, int wStride, float* x, int length, float* result)
    {
        float* w1 = w + wStride, w2 = w1 + wStride, w3 = w2 + wStride;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        int k = 0;
        for (; k <= length - 16; k += 16)
        {
            var xv = Vector512.Load(x + k);
            a0 = Avx512F.FusedMultiplyAdd(Vector512.Load(w + k), xv, a0);
            a1 = Avx512F.FusedMultiplyAdd(Vector512.Load(w1 + k), xv, a1);
            a2 = Avx512F.FusedMultiplyAdd(Vector512.Load(w2 + k), xv, a2);
            a3 = Avx512F.FusedMultiplyAdd(Vector512.Load(w3 + k), xv, a3);
        }
        Finish(result, w, wStride, x, k, length, a0, a1, a2, a3);
    }

    private static void MatVecFloat32(WeightMatrix w, int row0, float* x, float* result)
    {
        int columns = w.Columns;
        float* w0 = (float*)w.Data + (long)row0 * columns, w1 = w0 + columns, w2 = w1 + columns, w3 = w2 + columns;
        nint ahead = Prefetch.Ahead(w.Shape.RowBytes);
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        int k = 0;
        for (; k <= columns - 16; k += 16)
        {
            Prefetch.StreamRows(w0 + k, w1 + k, w2 + k, w3 + k, ahead);
            var xv = Vector512.Load(x + k);
            a0 = Avx512F.FusedMultiplyAdd(Vector512.Load(w0 + k), xv, a0);
            a1 = Avx512F.FusedMultiplyAdd(Vector512.Load(w1 + k), xv, a1);
            a2 = Avx512F.FusedMultiplyAdd(Vector512.Load(w2 + k), xv, a2);
            a3 = Avx512F.FusedMultiplyAdd(Vector512.Load(w3 + k), xv, a3);
        }
        Finish(result, w0, columns, x, k, columns, a0, a1, a2, a3);
    }

    private static void Finish(
        float* result, float* w0, int wStride, float* x, int k, int length,
        Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3)
    {
        Reduce.Sum4(a0, a1, a2, a3).Store(result);
        if (k < length)
        {
            Tails.AddDots(result, w0, wStride, x, 0, 1, k, length);
        }
    }
}
