using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Kimi.Cluster.Kernels.Isa;

/// <summary>
/// 4 rows × up to 4 tokens of AVX-512 accumulators for the multi-token matvecs, used only through
/// inlined calls with constant rows. The JIT (.NET 10) keeps them in the frame, each loaded and
/// stored once per 32 columns (L1 hits beside the weight stream); splitting them into four structs
/// of four, or into locals passed by reference, compiled to the same code.
/// </summary>
internal struct Accumulators
{
    public Vector512<float> A00, A01, A02, A03;
    public Vector512<float> A10, A11, A12, A13;
    public Vector512<float> A20, A21, A22, A23;
    public Vector512<float> A30, A31, A32, A33;

    /// <summary>acc[row, t] += w · x[t] for every token.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Row<T>(int row, Vector512<float> w, ref Inputs<T> x)
        where T : struct, ITokenCount
    {
        switch (row)
        {
            case 0:
                Add<T>(w, ref x, ref A00, ref A01, ref A02, ref A03);
                break;
            case 1:
                Add<T>(w, ref x, ref A10, ref A11, ref A12, ref A13);
                break;
            case 2:
                Add<T>(w, ref x, ref A20, ref A21, ref A22, ref A23);
                break;
            default:
                Add<T>(w, ref x, ref A30, ref A31, ref A32, ref A33);
                break;
        }
    }

    /// <summary>Writes y[t·yStride + r] = Σ acc[r, t] for the first <paramref name="tokens"/> tokens.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly unsafe void Store(float* y, int yStride, int tokens)
    {
        Reduce.Sum4(A00, A10, A20, A30).Store(y);
        Reduce.Sum4(A01, A11, A21, A31).Store(y + yStride);
        if (tokens > 2)
        {
            Reduce.Sum4(A02, A12, A22, A32).Store(y + 2L * yStride);
        }
        if (tokens > 3)
        {
            Reduce.Sum4(A03, A13, A23, A33).Store(y + 3L * yStride);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add<T>(
        Vector512<float> w, ref Inputs<T> x,
        ref Vector512<float> a0, ref Vector512<float> a1, ref Vector512<float> a2, ref Vector512<float> a3)
        where T : struct, ITokenCount
    {
        a0 = Avx512F.FusedMultiplyAdd(w, x.X0, a0);
        a1 = Avx512F.FusedMultiplyAdd(w, x.X1, a1);
        if (T.Count > 2)
        {
            a2 = Avx512F.FusedMultiplyAdd(w, x.X2, a2);
        }
        if (T.Count > 3)
        {
            a3 = Avx512F.FusedMultiplyAdd(w, x.X3, a3);
        }
    }
}
