namespace Kimi.Cluster.Kernels;

/// <summary>
/// The format and sizes of one weight matrix W[out = Rows, in = Columns] as the checkpoint stores it.
/// Owns the size arithmetic (data and scale bytes) and the validation of format-specific sizes;
/// holds no memory. Build one with the factory for its format.
/// </summary>
public sealed record WeightShape
{
    private WeightShape(WeightFormat format, int rows, int columns, int groupSize, int blockRows, int blockColumns)
    {
        Format = format;
        Rows = rows;
        Columns = columns;
        GroupSize = groupSize;
        BlockRows = blockRows;
        BlockColumns = blockColumns;
        // Stored once: the kernels read these per row, and computing them divides.
        (ScaleRows, ScaleColumns) = format switch
        {
            WeightFormat.Int4Group => (rows, CeilDiv(columns, groupSize)),
            WeightFormat.Fp8Block => (CeilDiv(rows, blockRows), CeilDiv(columns, blockColumns)),
            _ => (0, 0),
        };
        RowBytes = format switch
        {
            WeightFormat.Float32 => 4L * columns,
            WeightFormat.BFloat16 or WeightFormat.Float16 => 2L * columns,
            WeightFormat.Int4Group => columns / 2,
            _ => columns,
        };
    }

    /// <summary>How the weights are stored.</summary>
    public WeightFormat Format { get; }

    /// <summary>Output features (out): one row of W per output.</summary>
    public int Rows { get; }

    /// <summary>Input features (in).</summary>
    public int Columns { get; }

    /// <summary>Inputs sharing one scale per row (<see cref="WeightFormat.Int4Group"/>; a row's last group may hold fewer); 0 otherwise.</summary>
    public int GroupSize { get; }

    /// <summary>Rows sharing one scale (<see cref="WeightFormat.Fp8Block"/>); 0 otherwise.</summary>
    public int BlockRows { get; }

    /// <summary>Columns sharing one scale (<see cref="WeightFormat.Fp8Block"/>); 0 otherwise.</summary>
    public int BlockColumns { get; }

    /// <summary>Rows of the scale tensor (0 when the format has none).</summary>
    public int ScaleRows { get; }

    /// <summary>Columns of the scale tensor (0 when the format has none).</summary>
    public int ScaleColumns { get; }

    /// <summary>Bytes of one stored row of weights.</summary>
    public long RowBytes { get; }

    /// <summary>Bytes of the weight tensor as stored.</summary>
    public long DataBytes => RowBytes * Rows;

    /// <summary>Bytes of the scale tensor as stored (bf16 for int4, float32 for fp8).</summary>
    public long ScaleBytes => (long)ScaleRows * ScaleColumns * (Format == WeightFormat.Int4Group ? 2 : 4);

    /// <summary>Data plus scale bytes: what one pass over the matrix reads.</summary>
    public long StoredBytes => DataBytes + ScaleBytes;

    /// <summary>A float32 matrix.</summary>
    public static WeightShape Float32(int rows, int columns) => Plain(WeightFormat.Float32, rows, columns);

    /// <summary>A bf16 matrix.</summary>
    public static WeightShape BFloat16(int rows, int columns) => Plain(WeightFormat.BFloat16, rows, columns);

    /// <summary>An F16 (IEEE half) matrix.</summary>
    public static WeightShape Float16(int rows, int columns) => Plain(WeightFormat.Float16, rows, columns);

    /// <summary>
    /// A symmetric int4 matrix with one bf16 scale per <paramref name="groupSize"/> inputs. The group
    /// must be a multiple of 8 that divides 128 or is a multiple of 128 (32, 64, 128 in practice), and
    /// <paramref name="columns"/> a multiple of 8; a row's last group may be shorter (⌈columns / group⌉ scales a row).
    /// </summary>
    public static WeightShape Int4Group(int rows, int columns, int groupSize)
    {
        CheckSizes(rows, columns);
        bool groupFits = groupSize > 0 && groupSize % 8 == 0 && (128 % groupSize == 0 || groupSize % 128 == 0);
        if (!groupFits)
        {
            throw new ArgumentException(
                $"Int4 group size {groupSize} must be a multiple of 8 that divides 128 or is a multiple of 128.",
                nameof(groupSize));
        }
        // A last group shorter than the others is compressed-tensors' own layout for in-features
        // that the group size does not divide (its scale count is ⌈in / group⌉): kept as it comes.
        if (columns % 8 != 0)
        {
            throw new ArgumentException(
                $"Int4 matrix [{rows}, {columns}]: columns {columns} must be a multiple of 8 (nibbles per packed word).",
                nameof(columns));
        }
        return new WeightShape(WeightFormat.Int4Group, rows, columns, groupSize, 0, 0);
    }

    /// <summary>An FP8 E4M3 matrix with one float32 scale per block; edge blocks may be partial.</summary>
    public static WeightShape Fp8Block(int rows, int columns, int blockRows = 128, int blockColumns = 128)
    {
        CheckSizes(rows, columns);
        if (blockRows <= 0 || blockColumns <= 0)
        {
            throw new ArgumentException(
                $"Fp8 matrix [{rows}, {columns}]: block {blockRows}x{blockColumns} must be positive.",
                nameof(blockRows));
        }
        return new WeightShape(WeightFormat.Fp8Block, rows, columns, 0, blockRows, blockColumns);
    }

    /// <inheritdoc/>
    public override string ToString() => Format switch
    {
        WeightFormat.Int4Group => $"Int4Group[{Rows}, {Columns}] group {GroupSize}",
        WeightFormat.Fp8Block => $"Fp8Block[{Rows}, {Columns}] block {BlockRows}x{BlockColumns}",
        _ => $"{Format}[{Rows}, {Columns}]",
    };

    private static WeightShape Plain(WeightFormat format, int rows, int columns)
    {
        CheckSizes(rows, columns);
        return new WeightShape(format, rows, columns, 0, 0, 0);
    }

    private static void CheckSizes(int rows, int columns)
    {
        if (rows <= 0 || columns <= 0)
        {
            throw new ArgumentException($"Weight matrix [{rows}, {columns}] must have positive sizes.", nameof(rows));
        }
    }

    private static int CeilDiv(int a, int b) => (a + b - 1) / b;
}
