using Kimi.Cluster.Kernels.Tests.Reference;

namespace Kimi.Cluster.Kernels.Tests;

public sealed class MatMulTests
{
    public static TheoryData<KernelIsa, string> PathsAndFormats() => FormatCases.PathsAndFormats();

    public static TheoryData<KernelIsa> Paths() => FormatCases.Paths();

    [Theory]
    [MemberData(nameof(PathsAndFormats))]
    public void MatMul_MatchesDoubleReference_ForEveryShapeAndTokenCount(KernelIsa isa, string format)
    {
        using var kernels = FormatCases.Kernels(isa);
        var random = new Random(format.Length * 31 + (int)isa);
        foreach (var (rows, columns) in FormatCases.Shapes(format))
        {
            using var matrix = TestMatrix.Random(FormatCases.Shape(format, rows, columns), random);
            var w = ReferenceFormats.Dequantize(matrix);
            foreach (int tokens in FormatCases.TokenCounts)
            {
                AssertMatMul(kernels, matrix, w, tokens, random);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Fp8_PartialEdgeBlocks_MatchReference(KernelIsa isa)
    {
        using var kernels = FormatCases.Kernels(isa);
        var random = new Random(200);
        using var matrix = TestMatrix.Random(WeightShape.Fp8Block(200, 300, 128, 128), random);
        Assert.Equal((2, 3), (matrix.Shape.ScaleRows, matrix.Shape.ScaleColumns));
        var w = ReferenceFormats.Dequantize(matrix);
        foreach (int tokens in new[] { 1, 3, 64 })
        {
            AssertMatMul(kernels, matrix, w, tokens, random);
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Fp8_NanWeight_MakesItsRowNan(KernelIsa isa)
    {
        using var kernels = FormatCases.Kernels(isa);
        var data = new byte[4 * 32];
        data[2 * 32 + 5] = 0x7F;
        using var buffer = WeightBuffer.Create(WeightShape.Fp8Block(4, 32), data, BitConverter.GetBytes(1f));
        // One token, the fused few-token kernels and the decoded tile: each decodes the NaN itself.
        foreach (int tokens in new[] { 1, 2, 3, 64 })
        {
            var y = new float[tokens * 4];
            kernels.MatMul(buffer.Matrix, Enumerable.Repeat(1f, tokens * 32).ToArray(), y, tokens);
            for (int t = 0; t < tokens; t++)
                Assert.Equal([0f, 0f, float.NaN, 0f], y[(t * 4)..(t * 4 + 4)]);
        }
    }

    private static void AssertMatMul(CpuKernels kernels, TestMatrix matrix, double[,] w, int tokens, Random random)
    {
        var x = ReferenceMath.RandomInputs(tokens * matrix.Shape.Columns, random);
        var y = new float[tokens * matrix.Shape.Rows];
        kernels.MatMul(matrix.Matrix, x, y, tokens);
        var (expected, magnitudes) = ReferenceMath.MatMul(w, x, tokens);
        ReferenceMath.AssertClose(y, expected, magnitudes, 1e-5, $"{kernels.Isa} {matrix.Shape} × {tokens} tokens");
    }
}
