using Kimi.Cluster.Kernels.Core;

namespace Kimi.Cluster.Kernels.Tests;

/// <summary>The SIMD paths' input orders against the formula: within each whole chunk, position j·Lanes + lane holds column lane·Stride + j.</summary>
public sealed unsafe class InputLayoutTests
{
    [Theory]
    [InlineData(2, 16, 1024)]
    [InlineData(2, 16, 1000)]
    [InlineData(2, 8, 1000)]
    [InlineData(2, 8, 37)]
    [InlineData(8, 16, 1056)]
    [InlineData(8, 8, 200)]
    [InlineData(2, 1, 9)]
    public void ApplyRow_PutsEachColumnWhereTheFormulaSays(int stride, int lanes, int columns)
    {
        var layout = new InputLayout(stride, lanes);
        var source = Enumerable.Range(0, columns).Select(i => i + 0.5f).ToArray();
        var destination = new float[columns];
        fixed (float* s = source, d = destination)
        {
            layout.ApplyRow(s, d, columns);
        }
        int chunk = stride * lanes, whole = lanes == 1 ? 0 : columns / chunk * chunk;
        var expected = new float[columns];
        for (int c = 0; c < columns; c++)
        {
            expected[c] = source[c];
        }
        for (int c0 = 0; c0 < whole; c0 += chunk)
        {
            for (int lane = 0; lane < lanes; lane++)
            {
                for (int j = 0; j < stride; j++)
                {
                    expected[c0 + j * lanes + lane] = source[c0 + lane * stride + j];
                }
            }
        }
        Assert.Equal(expected, destination);
    }
}
