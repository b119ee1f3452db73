using System.Runtime.InteropServices;
using Kimi.Cluster.Kernels;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Layers;

/// <summary>
/// How the layers hand tensors to the kernels and back: as contiguous float32 CPU memory, without
/// a copy when the tensor already is one. Owns the span views, so no layer casts bytes itself.
/// </summary>
internal static class TensorMemory
{
    /// <summary>x itself when it is contiguous float32, else a contiguous float32 copy (in the caller's dispose scope).</summary>
    public static Tensor ContiguousFloat32(Tensor x) =>
        x.dtype == ScalarType.Float32 && x.is_contiguous() ? x : x.to(ScalarType.Float32).contiguous();

    /// <summary>The values of a contiguous float32 tensor, in place.</summary>
    public static Span<float> Floats(Tensor contiguousFloat32) => MemoryMarshal.Cast<byte, float>(contiguousFloat32.bytes);

    /// <summary>Rows <paramref name="rows"/> of a stored matrix decoded to a new [rows, columns] float32 tensor.</summary>
    public static Tensor DecodeRows(WeightMatrix matrix, IReadOnlyList<int> rows)
    {
        var decoded = empty(rows.Count, matrix.Columns);
        var destination = Floats(decoded);
        for (int r = 0; r < rows.Count; r++)
            matrix.DecodeRow(rows[r], destination.Slice(r * matrix.Columns, matrix.Columns));
        return decoded;
    }
}
