using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Kimi.Cluster.Kernels.Formats;

namespace Kimi.Cluster.Kernels.Isa;

/// <summary>AVX-512 F16 kernels; inputs in natural order.</summary>
internal sealed unsafe partial class Avx512Kernels
{
    /// <summary>Rows row0..+3 of an F16 matrix times one input row, each half widened exactly on its way into the FMA (<see cref="HalfRows"/>).</summary>
    private static void MatVecFloat16(WeightMatrix w, int row0, float* x, float* result)
    {
        int columns = w.Columns;
        ushort* w0 = (ushort*)w.Data + (long)row0 * columns, w1 = w0 + columns, w2 = w1 + columns, w3 = w2 + columns;
        nint ahead = Prefetch.Ahead(w.Shape.RowBytes);
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        int k = 0;
        for (; k <= columns - 16; k += 16)
        {
            if ((k & 31) == 0)
            {
                // One line holds 32 halves: a prefetch a line.
                Prefetch.StreamRows(w0 + k, w1 + k, w2 + k, w3 + k, ahead);
            }
            var xv = Vector512.Load(x + k);
            a0 = Avx512F.FusedMultiplyAdd(Half16(w0 + k), xv, a0);
            a1 = Avx512F.FusedMultiplyAdd(Half16(w1 + k), xv, a1);
            a2 = Avx512F.FusedMultiplyAdd(Half16(w2 + k), xv, a2);
            a3 = Avx512F.FusedMultiplyAdd(Half16(w3 + k), xv, a3);
        }
        Reduce.Sum4(a0, a1, a2, a3).Store(result);
        if (k < columns)
        {
            Tails.AddFloat16Rows(result, w0, columns, x, k);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Half16(ushort* p) => HalfRows.ToSingle(Avx512F.ConvertToVector512UInt32(Vector256.Load(p)));
}
