namespace Kimi.Cluster.Kernels.Tests.Reference;

/// <summary>
/// The weight formats' definitions written out from their documentation, in double precision, with
/// no kernel code: what every kernel path is checked against.
/// </summary>
public static class ReferenceFormats
{
    /// <summary>bf16: 1 sign, 8 exponent bits (bias 127), 7 mantissa bits; subnormal when the exponent is 0.</summary>
    public static double BFloat16(ushort bits)
    {
        int sign = bits >> 15, exponent = (bits >> 7) & 0xFF, mantissa = bits & 0x7F;
        Assert.NotEqual(0xFF, exponent); // test data never holds infinities or NaN
        double magnitude = exponent == 0
            ? Math.Pow(2, -126) * (mantissa / 128.0)
            : Math.Pow(2, exponent - 127) * (1 + mantissa / 128.0);
        return sign == 1 ? -magnitude : magnitude;
    }

    /// <summary>
    /// F16 (IEEE 754 half): 1 sign, 5 exponent bits (bias 15), 10 mantissa bits; subnormal when the
    /// exponent is 0; the exponent 31 is an infinity (mantissa 0) or NaN.
    /// </summary>
    public static double Float16(ushort bits)
    {
        int sign = bits >> 15, exponent = (bits >> 10) & 0x1F, mantissa = bits & 0x3FF;
        double magnitude = exponent == 0x1F
            ? (mantissa == 0 ? double.PositiveInfinity : double.NaN)
            : exponent == 0
                ? Math.Pow(2, -14) * (mantissa / 1024.0)
                : Math.Pow(2, exponent - 15) * (1 + mantissa / 1024.0);
        return sign == 1 ? -magnitude : magnitude;
    }

    /// <summary>FP8 E4M3FN: 1 sign, 4 exponent bits (bias 7), 3 mantissa bits; 0x7F/0xFF NaN; no infinities.</summary>
    public static double Fp8(byte bits)
    {
        int sign = bits >> 7, exponent = (bits >> 3) & 0xF, mantissa = bits & 0x7;
        if (exponent == 0xF && mantissa == 0x7)
        {
            return double.NaN;
        }
        double magnitude = exponent == 0
            ? Math.Pow(2, -6) * (mantissa / 8.0)
            : Math.Pow(2, exponent - 7) * (1 + mantissa / 8.0);
        return sign == 1 ? -magnitude : magnitude;
    }

    /// <summary>
    /// Int4 weight [o, i]: nibble i % 8 of word [o, i / 8] (least significant first), minus 8, times
    /// scale[o, i / group], a row holding ⌈columns / group⌉ scales (its last group may be shorter).
    /// </summary>
    public static double Int4(uint[] words, ushort[] scales, int columns, int group, int o, int i)
    {
        uint word = words[o * (columns / 8) + i / 8];
        int nibble = (int)((word >> (4 * (i % 8))) & 0xF);
        int groupsPerRow = (columns + group - 1) / group;
        return (nibble - 8) * BFloat16(scales[o * groupsPerRow + i / group]);
    }

    /// <summary>The whole matrix, dequantized in double, from its stored tensors.</summary>
    public static double[,] Dequantize(TestMatrix m)
    {
        var shape = m.Shape;
        var result = new double[shape.Rows, shape.Columns];
        for (int o = 0; o < shape.Rows; o++)
        {
            for (int i = 0; i < shape.Columns; i++)
            {
                result[o, i] = shape.Format switch
                {
                    WeightFormat.Float32 => BitConverter.ToSingle(m.Data, 4 * (o * shape.Columns + i)),
                    WeightFormat.BFloat16 => BFloat16(BitConverter.ToUInt16(m.Data, 2 * (o * shape.Columns + i))),
                    WeightFormat.Float16 => Float16(BitConverter.ToUInt16(m.Data, 2 * (o * shape.Columns + i))),
                    WeightFormat.Int4Group => Int4(m.Words(), m.BFloat16Scales(), shape.Columns, shape.GroupSize, o, i),
                    _ => Fp8(m.Data[o * shape.Columns + i])
                        * BitConverter.ToSingle(m.Scales, 4 * ((o / shape.BlockRows) * shape.ScaleColumns + i / shape.BlockColumns)),
                };
            }
        }
        return result;
    }
}
