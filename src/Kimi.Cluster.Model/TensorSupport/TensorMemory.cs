using System.Runtime.InteropServices;
using Kimi.Cluster.Kernels;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.TensorSupport;

/// <summary>
/// How the layers hand tensors to the kernels and back: as contiguous float32 CPU memory, without
/// a copy when the tensor already is one. Owns the span views, so no layer casts bytes itself.
/// </summary>
internal static partial class TensorMemory
{
    /// <summary>x itself when it is contiguous float32, else a contiguous float32 copy (in the caller's dispose scope).</summary>
    public static Tensor ContiguousFloat32(Tensor x) =>
        x.dtype == ScalarType.Float32 && x.is_contiguous() ? x : x.to(ScalarType.Float32).contiguous();

    /// <summary>The values of a contiguous float32 tensor, in place.</summary>
    /// <remarks>
    /// Counted in floats, not bytes as TorchSharp's <c>bytes</c> is, so a cache pool over 2 GB
    /// (up to 2³¹ floats) still fits one span.
    /// </remarks>
    public static unsafe Span<float> Floats(Tensor contiguousFloat32)
    {
        if (contiguousFloat32.dtype != ScalarType.Float32 || !contiguousFloat32.is_contiguous())
            throw new ArgumentException($"Expected a contiguous float32 tensor, got {contiguousFloat32.dtype} [{string.Join(", ", TensorSizes.Of(contiguousFloat32))}].", nameof(contiguousFloat32));
        int count = checked((int)contiguousFloat32.numel());
        return count == 0 ? [] : new Span<float>((void*)DataPointer(contiguousFloat32.Handle), count);
    }

    /// <summary>The bits of a contiguous bf16 tensor, in place (the weights' own, for kernels that read bf16).</summary>
    public static unsafe Span<ushort> BFloat16Bits(Tensor contiguousBFloat16)
    {
        if (contiguousBFloat16.dtype != ScalarType.BFloat16 || !contiguousBFloat16.is_contiguous())
            throw new ArgumentException($"Expected a contiguous bf16 tensor, got {contiguousBFloat16.dtype} [{string.Join(", ", TensorSizes.Of(contiguousBFloat16))}].", nameof(contiguousBFloat16));
        int count = checked((int)contiguousBFloat16.numel());
        return count == 0 ? [] : new Span<ushort>((void*)DataPointer(contiguousBFloat16.Handle), count);
    }

    /// <summary>A stored bf16 matrix's bits in a new [rows, columns] bf16 tensor: the same values, no rounding.</summary>
    public static unsafe Tensor StoredBFloat16(WeightMatrix matrix)
    {
        if (matrix.Format != WeightFormat.BFloat16)
            throw new ArgumentException($"Expected a bf16 matrix, got {matrix.Format}.", nameof(matrix));
        var copy = empty(matrix.Rows, matrix.Columns, ScalarType.BFloat16);
        new ReadOnlySpan<ushort>((void*)matrix.Data, checked(matrix.Rows * matrix.Columns)).CopyTo(BFloat16Bits(copy));
        return copy;
    }

    /// <summary>The flags of a contiguous bool tensor, in place (one byte each, 0 or 1).</summary>
    public static unsafe Span<bool> Flags(Tensor contiguousBool)
    {
        if (contiguousBool.dtype != ScalarType.Bool || !contiguousBool.is_contiguous())
            throw new ArgumentException($"Expected a contiguous bool tensor, got {contiguousBool.dtype} [{string.Join(", ", TensorSizes.Of(contiguousBool))}].", nameof(contiguousBool));
        int count = checked((int)contiguousBool.numel());
        return count == 0 ? [] : new Span<bool>((void*)DataPointer(contiguousBool.Handle), count);
    }

    /// <summary>
    /// A new contiguous float32 tensor of <paramref name="sizes"/> holding <paramref name="values"/>
    /// (row-major): one copy into an empty tensor, where TorchSharp's tensor(float[]) took 8 µs for 4 KiB.
    /// </summary>
    public static Tensor FromFloats(ReadOnlySpan<float> values, params long[] sizes)
    {
        var result = empty(sizes, ScalarType.Float32);
        values.CopyTo(Floats(result));
        return result;
    }

    /// <summary>A copy of <paramref name="x"/>'s values as float32, row-major.</summary>
    public static float[] ToFloats(Tensor x)
    {
        var contiguous = ContiguousFloat32(x);
        try
        {
            return Floats(contiguous).ToArray();
        }
        finally
        {
            if (!ReferenceEquals(contiguous, x))
                contiguous.Dispose();
        }
    }

    // The element pointer (storage offset included) that TorchSharp's own accessors use.
    [LibraryImport("LibTorchSharp", EntryPoint = "THSTensor_data")]
    private static partial nint DataPointer(nint tensor);

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
