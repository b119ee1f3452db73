using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.DataPlane;

/// <summary>
/// Activations on the wire: raw little-endian float32 rows, never repeated floats, or bfloat16
/// (the upper half of each float32, rounded to nearest even) where the operator halves the bytes
/// at the cost of exactness. The dtype travels with every message.
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

    public const int BFloat16Size = 2;

    /// <summary>Each float32 as bfloat16, rounded to nearest even (NaN stays NaN).</summary>
    public static void ToBFloat16(ReadOnlySpan<float> values, Span<byte> destination)
    {
        if (destination.Length != values.Length * BFloat16Size)
            throw new ArgumentException($"{values.Length} values need {values.Length * BFloat16Size} bytes, not {destination.Length}", nameof(destination));
        var halves = MemoryMarshal.Cast<byte, ushort>(destination);
        for (int i = 0; i < values.Length; i++)
        {
            uint bits = BitConverter.SingleToUInt32Bits(values[i]);
            halves[i] = float.IsNaN(values[i]) ? (ushort)((bits >> 16) | 0x40) : (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
        }
    }

    /// <summary>bfloat16 values widened to float32 (exactly).</summary>
    public static void FromBFloat16(ReadOnlySpan<byte> bytes, Span<float> destination)
    {
        if (bytes.Length != destination.Length * BFloat16Size)
            throw new ArgumentException($"{bytes.Length} bytes are not {destination.Length} bfloat16 values", nameof(bytes));
        var halves = MemoryMarshal.Cast<byte, ushort>(bytes);
        for (int i = 0; i < destination.Length; i++)
            destination[i] = BitConverter.UInt32BitsToSingle((uint)halves[i] << 16);
    }
}
