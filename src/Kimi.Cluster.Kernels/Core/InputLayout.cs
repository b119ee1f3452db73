namespace Kimi.Cluster.Kernels.Core;

/// <summary>
/// The order a SIMD path wants the inputs in, so its weight decode needs no shuffles. Packed formats
/// put consecutive columns in one vector lane (eight int4 nibbles in a word, two bf16 in a dword);
/// extracting nibble j of every lane yields columns lane·Stride + j, so within each chunk of
/// Stride × Lanes columns the inputs are transposed to match: position j·Lanes + lane holds column
/// lane·Stride + j. Columns past the last whole chunk keep their natural order.
/// </summary>
internal readonly record struct InputLayout(int Stride, int Lanes)
{
    /// <summary>Columns per transposed chunk.</summary>
    public int Chunk => Stride * Lanes;

    /// <summary>True when the layout is the natural order and inputs are used as given.</summary>
    public bool IsIdentity => Stride == 1 || Lanes == 1;

    /// <summary>The layout of <paramref name="format"/> for vectors of <paramref name="lanes"/> floats.</summary>
    public static InputLayout For(WeightFormat format, int lanes) => format switch
    {
        WeightFormat.Int4Group => new InputLayout(8, lanes),
        WeightFormat.BFloat16 => new InputLayout(2, lanes),
        _ => new InputLayout(1, lanes),
    };

    /// <summary>Writes <paramref name="rows"/> rows of <paramref name="columns"/> inputs in this layout.</summary>
    public unsafe void Apply(float* source, float* destination, int columns, int rows)
    {
        for (long r = 0; r < rows; r++)
        {
            ApplyRow(source + r * columns, destination + r * columns, columns);
        }
    }

    /// <summary>Writes one row of inputs in this layout.</summary>
    public unsafe void ApplyRow(float* source, float* destination, int columns)
    {
        int chunk = Chunk;
        int whole = IsIdentity ? 0 : columns / chunk * chunk;
        for (int c = 0; c < whole; c += chunk)
        {
            for (int lane = 0; lane < Lanes; lane++)
            {
                for (int j = 0; j < Stride; j++)
                {
                    destination[c + j * Lanes + lane] = source[c + lane * Stride + j];
                }
            }
        }
        long tail = columns - whole;
        Buffer.MemoryCopy(source + whole, destination + whole, 4 * tail, 4 * tail);
    }
}
