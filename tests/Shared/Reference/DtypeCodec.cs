using System.Buffers.Binary;

namespace Kimi.Cluster.Tests.Shared.Reference;

/// <summary>
/// Rounds, encodes and decodes the stored element types by hand (little-endian), so the
/// reference computes on exactly the values a loader will read back from the file.
/// </summary>
public static class DtypeCodec
{
    private static readonly double[] F8Values = BuildF8Table();

    public static string SafetensorsName(StoredDtype dtype) => dtype switch
    {
        StoredDtype.BF16 => "BF16",
        StoredDtype.F16 => "F16",
        StoredDtype.F32 => "F32",
        StoredDtype.F8E4M3 => "F8_E4M3",
        StoredDtype.I32 => "I32",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    /// <summary>config.json's torch_dtype for weights stored as <paramref name="dtype"/>.</summary>
    public static string TorchName(StoredDtype dtype) => dtype switch
    {
        StoredDtype.BF16 => "bfloat16",
        StoredDtype.F16 => "float16",
        StoredDtype.F32 => "float32",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a dtype of unquantized weights"),
    };

    public static int ElementSize(StoredDtype dtype) => dtype switch
    {
        StoredDtype.BF16 or StoredDtype.F16 => 2,
        StoredDtype.F32 or StoredDtype.I32 => 4,
        StoredDtype.F8E4M3 => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    /// <summary>bfloat16 bits of a float: round-to-nearest-even on the dropped 16 bits.</summary>
    public static ushort ToBFloat16Bits(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            return (ushort)((bits >> 16) | 0x40); // keep it a (quiet) NaN
        }
        uint roundingBias = 0x7FFFu + ((bits >> 16) & 1u);
        return (ushort)((bits + roundingBias) >> 16);
    }

    public static double FromBFloat16Bits(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>The value that storing <paramref name="value"/> as <paramref name="dtype"/> keeps.</summary>
    public static double Round(double value, StoredDtype dtype) => dtype switch
    {
        // Through float first, as torch does when casting a float32 tensor to bf16/f16.
        StoredDtype.BF16 => FromBFloat16Bits(ToBFloat16Bits((float)value)),
        StoredDtype.F16 => (double)(Half)(float)value,
        StoredDtype.F32 => (float)value,
        StoredDtype.F8E4M3 => F8Values[ToF8E4M3((float)value)],
        StoredDtype.I32 => Math.Clamp(Math.Round(value, MidpointRounding.ToEven), int.MinValue, int.MaxValue),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    public static byte[] Encode(IReadOnlyList<double> values, StoredDtype dtype)
    {
        int size = ElementSize(dtype);
        var bytes = new byte[values.Count * size];
        for (int i = 0; i < values.Count; i++)
        {
            Span<byte> slot = bytes.AsSpan(i * size, size);
            float f = (float)values[i];
            switch (dtype)
            {
                case StoredDtype.BF16: BinaryPrimitives.WriteUInt16LittleEndian(slot, ToBFloat16Bits(f)); break;
                case StoredDtype.F16: BinaryPrimitives.WriteHalfLittleEndian(slot, (Half)f); break;
                case StoredDtype.F32: BinaryPrimitives.WriteSingleLittleEndian(slot, f); break;
                // From the double, not the float: a float cannot hold every int32.
                case StoredDtype.I32: BinaryPrimitives.WriteInt32LittleEndian(slot, (int)Round(values[i], StoredDtype.I32)); break;
                default: slot[0] = ToF8E4M3(f); break;
            }
        }
        return bytes;
    }

    public static double[] Decode(ReadOnlySpan<byte> bytes, StoredDtype dtype)
    {
        int size = ElementSize(dtype);
        var values = new double[bytes.Length / size];
        for (int i = 0; i < values.Length; i++)
        {
            ReadOnlySpan<byte> slot = bytes.Slice(i * size, size);
            values[i] = dtype switch
            {
                StoredDtype.BF16 => FromBFloat16Bits(BinaryPrimitives.ReadUInt16LittleEndian(slot)),
                StoredDtype.F16 => (double)BinaryPrimitives.ReadHalfLittleEndian(slot),
                StoredDtype.F32 => BinaryPrimitives.ReadSingleLittleEndian(slot),
                StoredDtype.I32 => BinaryPrimitives.ReadInt32LittleEndian(slot),
                _ => F8Values[slot[0]],
            };
        }
        return values;
    }

    /// <summary>The value of an E4M3FN code (NaN for 0x7F and 0xFF).</summary>
    public static double FromF8E4M3(byte code) => F8Values[code];

    /// <summary>Nearest E4M3FN code (ties to even mantissa), saturating at ±448; NaN → 0x7F.</summary>
    public static byte ToF8E4M3(float value)
    {
        if (float.IsNaN(value))
        {
            return 0x7F;
        }
        double magnitude = Math.Abs((double)value);
        int best = 0;
        // Codes 0..126 are the non-negative finite values in increasing order (127 is NaN).
        for (int code = 1; code <= 126; code++)
        {
            double d = Math.Abs(F8Values[code] - magnitude), dBest = Math.Abs(F8Values[best] - magnitude);
            if (d < dBest || (d == dBest && (code & 1) == 0))
            {
                best = code;
            }
        }
        return (byte)(value < 0 || (value == 0 && float.IsNegative(value)) ? best | 0x80 : best);
    }

    private static double[] BuildF8Table()
    {
        var table = new double[256];
        for (int b = 0; b < 256; b++)
        {
            int exponent = (b >> 3) & 0xF, mantissa = b & 7;
            double magnitude = exponent == 0
                ? mantissa / 8.0 * Math.Pow(2, -6)
                : (1 + mantissa / 8.0) * Math.Pow(2, exponent - 7);
            if (exponent == 15 && mantissa == 7)
            {
                magnitude = double.NaN;
            }
            table[b] = (b & 0x80) != 0 ? -magnitude : magnitude;
        }
        return table;
    }
}
