using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.DataPlane;

/// <summary>
/// Activations on the wire: raw little-endian float32 rows, never repeated floats. (bf16 and
/// fp8 encodings come later; the dtype travels with every message.)
/// </summary>
public static class ActivationCodec
{
    public const int Float32Size = sizeof(float);

    /// <summary>The bytes of a float32 tensor, row-major.</summary>
    public static byte[] Encode(Tensor x)
    {
        if (x.dtype != ScalarType.Float32)
            throw new ArgumentException($"expected float32 activations, got {x.dtype}", nameof(x));
        using var contiguous = x.contiguous();
        return contiguous.bytes.ToArray();
    }

    /// <summary>A [rows, columns] float32 tensor from raw bytes; the length must match exactly.</summary>
    public static Tensor Decode(ReadOnlySpan<byte> bytes, long rows, long columns)
    {
        long expected = rows * columns * Float32Size;
        if (bytes.Length != expected)
            throw new ArgumentException($"expected {expected} bytes for [{rows}, {columns}] float32, got {bytes.Length}", nameof(bytes));
        var result = empty(rows, columns, ScalarType.Float32);
        bytes.CopyTo(result.bytes);
        return result;
    }

    /// <summary>Float32 values (gate weights) from raw bytes.</summary>
    public static float[] DecodeFloats(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length % Float32Size != 0)
            throw new ArgumentException($"{bytes.Length} bytes is not a whole number of float32 values", nameof(bytes));
        return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }

    public static byte[] EncodeFloats(ReadOnlySpan<float> values) => MemoryMarshal.AsBytes(values).ToArray();
}
