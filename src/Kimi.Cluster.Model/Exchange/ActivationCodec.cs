using System.Runtime.InteropServices;

namespace Kimi.Cluster.Model.Exchange;

/// <summary>
/// Activation values on the wire: raw little-endian float32, never repeated floats, or bfloat16
/// (the upper half of each float32, rounded to nearest even) where the operator halves the bytes
/// at the cost of exactness. The dtype travels with every message.
/// </summary>
public static class ActivationCodec
{
    public const int Float32Size = sizeof(float);

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
