namespace Kimi.Cluster.Kernels.Tests.Reference;

/// <summary>The weight formats under test, each with shapes that hit vector tails, depth chunks and row remainders.</summary>
public static class FormatCases
{
    public static readonly string[] Names =
        [
            "float32", "bf16", "f16", "int4-g8", "int4-g16", "int4-g32", "int4-g64", "int4-g128", "int4-g384",
            "fp8-128x128", "fp8-64x32", "fp8-50x40",
        ];

    /// <summary>Token counts: one and a few (fused matvecs), and more (decoded tiles, register-blocked dots).</summary>
    public static readonly int[] TokenCounts = [1, 2, 3, 4, 5, 7, 16, 17, 64];

    /// <summary>Every supported path × every format.</summary>
    public static TheoryData<KernelIsa, string> PathsAndFormats()
    {
        var data = new TheoryData<KernelIsa, string>();
        foreach (var isa in CpuKernels.SupportedIsas)
        {
            foreach (string name in Names)
            {
                data.Add(isa, name);
            }
        }
        return data;
    }

    /// <summary>Every supported path.</summary>
    public static TheoryData<KernelIsa> Paths()
    {
        var data = new TheoryData<KernelIsa>();
        foreach (var isa in CpuKernels.SupportedIsas)
        {
            data.Add(isa);
        }
        return data;
    }

    /// <summary>The format a case name stands for, whatever its group or block sizes.</summary>
    public static WeightFormat Format(string name) => name switch
    {
        "float32" => WeightFormat.Float32,
        "bf16" => WeightFormat.BFloat16,
        "f16" => WeightFormat.Float16,
        _ when name.StartsWith("int4", StringComparison.Ordinal) => WeightFormat.Int4Group,
        _ when name.StartsWith("fp8", StringComparison.Ordinal) => WeightFormat.Fp8Block,
        _ => throw new ArgumentException(name),
    };

    public static WeightShape Shape(string name, int rows, int columns) => name switch
    {
        "float32" => WeightShape.Float32(rows, columns),
        "bf16" => WeightShape.BFloat16(rows, columns),
        "f16" => WeightShape.Float16(rows, columns),
        // Groups smaller than a vector's span of words: sixteen and eight scales a 128-column chunk.
        "int4-g8" => WeightShape.Int4Group(rows, columns, 8),
        "int4-g16" => WeightShape.Int4Group(rows, columns, 16),
        "int4-g32" => WeightShape.Int4Group(rows, columns, 32),
        "int4-g64" => WeightShape.Int4Group(rows, columns, 64),
        "int4-g128" => WeightShape.Int4Group(rows, columns, 128),
        // A group spanning three vector chunks, so a depth chunk can start inside a group.
        "int4-g384" => WeightShape.Int4Group(rows, columns, 384),
        "fp8-128x128" => WeightShape.Fp8Block(rows, columns),
        "fp8-64x32" => WeightShape.Fp8Block(rows, columns, 64, 32),
        // Blocks that are not whole vectors: remainders inside every block.
        "fp8-50x40" => WeightShape.Fp8Block(rows, columns, 50, 40),
        _ => throw new ArgumentException(name),
    };

    /// <summary>
    /// (rows, columns): one row, rows not a multiple of 4, columns that leave vector and chunk tails
    /// (8·k not a multiple of 16 or 64 where the format allows), depths past the 1024-column chunk,
    /// and for int4 rows whose last group is shorter.
    /// </summary>
    public static IEnumerable<(int Rows, int Columns)> Shapes(string name)
    {
        if (name.StartsWith("int4", StringComparison.Ordinal))
        {
            int group = int.Parse(name.AsSpan(6));
            int[] columns = [group, 3 * group, group * (288 / group + (288 % group == 0 ? 0 : 1)), (1056 + group - 1) / group * group];
            // The last two end in a shorter last group (compressed-tensors' layout when the group does
            // not divide the in-features): 8 columns past whole groups, and a group 8 short (for
            // groups of whole chunks, some of those chunks lie inside the short group).
            return [(1, columns[0]), (3, columns[1]), (129, columns[2]), (130, columns[3]), (6, (2048 / group + 1) * group),
                (7, 2 * group + 8), (9, 3 * group - 8)];
        }
        return [(1, 8), (3, 24), (129, 136), (130, 264), (5, 1100), (70, 2056)];
    }

    /// <summary>Kernels on one path with a given thread count that use the pool for any size.</summary>
    public static CpuKernels Kernels(KernelIsa isa, int threads = 2) =>
        new(new KernelOptions { Isa = isa, Threads = threads, MinParallelBytes = 0, SpinMicroseconds = 20 });
}
