namespace Kimi.Cluster.Bench.Checkpoints;

/// <summary>
/// The FP8 E4M3FN format (1 sign, 4 exponent bits with bias 7, 3 mantissa bits; 0x7F and 0xFF
/// are NaN, 448 the largest value) and the lookup table the generator draws codes from.
/// </summary>
public static class Fp8E4M3
{
    public const float MaxFinite = 448f;

    /// <summary>Bits of randomness per drawn code: the table has 2^12 entries.</summary>
    public const int TableBits = 12;

    // Declared before UniformRms, which reads it while the type initializes.
    private static readonly byte[] Table = BuildTable();

    /// <summary>
    /// Entry i is the code nearest the centre of bin i of [-448, 448] split in 4096 equal bins:
    /// indexing it with random bits draws values uniform over the finite range, never NaN, at the
    /// cost of one table read per byte.
    /// </summary>
    public static ReadOnlySpan<byte> UniformCodes => Table;

    /// <summary>The root mean square of the values the table draws; a block's scale is the target std divided by it.</summary>
    public static double UniformRms { get; } = Math.Sqrt(Table.Average(code => Math.Pow(Decode(code), 2)));

    public static bool IsNaN(byte code) => (code & 0x7F) == 0x7F;

    public static float Decode(byte code)
    {
        if (IsNaN(code))
            return float.NaN;
        int exponent = (code >> 3) & 0xF, mantissa = code & 7;
        float magnitude = exponent == 0
            ? mantissa / 8f * MathF.Pow(2, -6)           // subnormal
            : (1 + mantissa / 8f) * MathF.Pow(2, exponent - 7);
        return (code & 0x80) != 0 ? -magnitude : magnitude;
    }

    private static byte[] BuildTable()
    {
        var finite = Enumerable.Range(0, 256).Select(c => (byte)c).Where(c => !IsNaN(c)).ToArray();
        int bins = 1 << TableBits;
        var table = new byte[bins];
        for (int i = 0; i < bins; i++)
        {
            float centre = MaxFinite * ((i + 0.5f) / (bins / 2) - 1);
            table[i] = finite.MinBy(code => Math.Abs(Decode(code) - centre));
        }
        return table;
    }
}
