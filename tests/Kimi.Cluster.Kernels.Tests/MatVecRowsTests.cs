using Kimi.Cluster.Kernels.Isa;
using Kimi.Cluster.Kernels.Tests.Reference;

namespace Kimi.Cluster.Kernels.Tests;

/// <summary>
/// A one-token matvec over a range of rows in one call (the matrix's constants set up once) against
/// the same rows four at a time: the same bits, on every path and format, tails included.
/// </summary>
public sealed class MatVecRowsTests
{
    public static TheoryData<KernelIsa, string> PathsAndFormats() => FormatCases.PathsAndFormats();

    [Theory]
    [MemberData(nameof(PathsAndFormats))]
    public unsafe void MatVecRows_GivesEachFourTheBitsOfItsOwnMatVec4(KernelIsa isa, string format)
    {
        var kernels = IsaSupport.Create(isa);
        var random = new Random(11);
        if (!kernels.HasMatVec(FormatCases.Format(format)))
        {
            return; // this path decodes tiles for the format: no matvec to compare
        }
        foreach (var (rows, columns) in FormatCases.Shapes(format).Where(s => s.Rows >= 8))
        {
            using var matrix = TestMatrix.Random(FormatCases.Shape(format, rows, columns), random);
            Assert.Equal(FormatCases.Format(format), matrix.Matrix.Format);
            float[] x = [.. Enumerable.Range(0, columns).Select(_ => (float)(random.NextDouble() * 2 - 1))];
            var laidOut = new float[columns];
            var together = new float[rows];
            var byFours = new float[rows];
            int first = 4, end = rows / 4 * 4;
            fixed (float* source = x, layout = laidOut, y = together, y4 = byFours)
            {
                kernels.LayoutFor(matrix.Matrix.Format).Apply(source, layout, columns, 1);
                kernels.MatVecRows(matrix.Matrix, first, end, layout, y);
                for (int row = first; row < end; row += 4)
                {
                    kernels.MatVec4(matrix.Matrix, row, layout, y4 + row);
                }
            }
            Assert.Equal(byFours, together);
            Assert.All(together[..first], v => Assert.Equal(0f, v));
            Assert.All(together[end..], v => Assert.Equal(0f, v));
        }
    }
}
