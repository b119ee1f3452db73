using Kimi.Cluster.Kernels.Tests.Reference;

namespace Kimi.Cluster.Kernels.Tests;

/// <summary>
/// Two products of one input in one dispatch (MLA's q_a and kv_a): each output equals, bit for bit,
/// what a call for its matrix alone gives, and the double reference; formats may differ, columns not.
/// </summary>
public sealed class MatMulPairTests
{
    public static TheoryData<KernelIsa> Paths() => FormatCases.Paths();

    /// <summary>(first, second, rows of each, columns): same format and mixed ones, rows that are not multiples of 4 or of each other.</summary>
    private static readonly (string First, string Second, int FirstRows, int SecondRows, int Columns)[] Pairs =
    [
        ("bf16", "bf16", 384, 160, 1024),
        ("bf16", "bf16", 3, 130, 264),
        ("bf16", "bf16", 1, 1, 8),
        ("fp8-128x128", "fp8-128x128", 256, 70, 384),
        ("fp8-50x40", "fp8-128x128", 129, 5, 200),
        ("int4-g32", "int4-g32", 130, 66, 288),
        ("int4-g32", "bf16", 64, 17, 1056),
        ("bf16", "float32", 20, 129, 136),
        ("float32", "int4-g128", 7, 40, 256),
    ];

    [Theory]
    [MemberData(nameof(Paths))]
    public void Pair_EqualsEachMatrixAlone_AndTheDoubleReference(KernelIsa isa)
    {
        using var kernels = FormatCases.Kernels(isa);
        var random = new Random(71 + (int)isa);
        foreach (var (firstFormat, secondFormat, firstRows, secondRows, columns) in Pairs)
        {
            using var first = TestMatrix.Random(FormatCases.Shape(firstFormat, firstRows, columns), random);
            using var second = TestMatrix.Random(FormatCases.Shape(secondFormat, secondRows, columns), random);
            foreach (int tokens in FormatCases.TokenCounts)
            {
                string what = $"{kernels.Isa} {first.Shape} + {second.Shape} × {tokens} tokens";
                var x = ReferenceMath.RandomInputs(tokens * columns, random);
                var y = new float[tokens * firstRows];
                var ySecond = new float[tokens * secondRows];
                kernels.MatMul(first.Matrix, second.Matrix, x, y, ySecond, tokens);

                var alone = new float[y.Length];
                var secondAlone = new float[ySecond.Length];
                kernels.MatMul(first.Matrix, x, alone, tokens);
                kernels.MatMul(second.Matrix, x, secondAlone, tokens);
                Assert.True(alone.AsSpan().SequenceEqual(y), $"{what}: the first product differs from its matrix alone");
                Assert.True(secondAlone.AsSpan().SequenceEqual(ySecond), $"{what}: the second product differs from its matrix alone");

                var (expected, magnitudes) = ReferenceMath.MatMul(ReferenceFormats.Dequantize(first), x, tokens);
                ReferenceMath.AssertClose(y, expected, magnitudes, 1e-5, what + ", first");
                (expected, magnitudes) = ReferenceMath.MatMul(ReferenceFormats.Dequantize(second), x, tokens);
                ReferenceMath.AssertClose(ySecond, expected, magnitudes, 1e-5, what + ", second");
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Pair_OnOneThreadOrBelowTheParallelSize_EqualsEachMatrixAlone(int threads)
    {
        using var kernels = new CpuKernels(new KernelOptions { Threads = threads, MinParallelBytes = long.MaxValue });
        var random = new Random(5);
        using var first = TestMatrix.Random(WeightShape.BFloat16(37, 96), random);
        using var second = TestMatrix.Random(WeightShape.Int4Group(130, 96, 32), random);
        var x = ReferenceMath.RandomInputs(2 * 96, random);
        float[] y = new float[2 * 37], ySecond = new float[2 * 130], alone = new float[2 * 37], secondAlone = new float[2 * 130];
        kernels.MatMul(first.Matrix, second.Matrix, x, y, ySecond, 2);
        kernels.MatMul(first.Matrix, x, alone, 2);
        kernels.MatMul(second.Matrix, x, secondAlone, 2);
        Assert.Equal(alone, y);
        Assert.Equal(secondAlone, ySecond);
    }

    [Fact]
    public void Pair_WithDifferentColumns_IsRefusedNamingBothShapes()
    {
        using var kernels = FormatCases.Kernels(CpuKernels.BestIsa);
        var random = new Random(9);
        using var first = TestMatrix.Random(WeightShape.BFloat16(4, 64), random);
        using var second = TestMatrix.Random(WeightShape.BFloat16(4, 32), random);
        var error = Assert.Throws<ArgumentException>(() =>
            kernels.MatMul(first.Matrix, second.Matrix, new float[64], new float[4], new float[4], 1));
        Assert.Contains(first.Shape.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Contains(second.Shape.ToString(), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pair_WithAShortSecondOutput_IsRefused()
    {
        using var kernels = FormatCases.Kernels(CpuKernels.BestIsa);
        var random = new Random(10);
        using var first = TestMatrix.Random(WeightShape.BFloat16(4, 64), random);
        using var second = TestMatrix.Random(WeightShape.BFloat16(6, 64), random);
        var error = Assert.Throws<ArgumentException>(() =>
            kernels.MatMul(first.Matrix, second.Matrix, new float[64], new float[4], new float[5], 1));
        Assert.Equal("ySecond", error.ParamName);
    }
}
