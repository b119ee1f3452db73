using Kimi.Cluster.Kernels.Rows;

namespace Kimi.Cluster.Kernels.Tests;

/// <summary>RMSNorm and the rotary pairs against plain double loops written from the formulas.</summary>
public sealed class RowOpsTests
{
    [Theory]
    [InlineData(1, 8)]
    [InlineData(3, 37)]
    [InlineData(5, 1024)]
    public void RmsNorm_MatchesTheFormula(int rows, int width)
    {
        var random = new Random(rows * 1000 + width);
        float[] x = [.. Enumerable.Range(0, rows * width).Select(_ => (float)(random.NextDouble() * 4 - 2))];
        float[] weight = [.. Enumerable.Range(0, width).Select(_ => (float)(random.NextDouble() + 0.5))];
        var y = new float[x.Length];

        RowOps.RmsNorm(x, weight, 1e-5, y);

        for (int r = 0; r < rows; r++)
        {
            double meanSquare = Enumerable.Range(0, width).Sum(i => (double)x[r * width + i] * x[r * width + i]) / width;
            for (int i = 0; i < width; i++)
            {
                double expected = x[r * width + i] / Math.Sqrt(meanSquare + 1e-5) * weight[i];
                Assert.True(Math.Abs(expected - y[r * width + i]) <= 1e-5 * (1 + Math.Abs(expected)), $"row {r} col {i}: {expected} vs {y[r * width + i]}");
            }
        }
    }

    [Fact]
    public void RotatePairs_RotatesEachSlice_AndLeavesTheRestAlone()
    {
        const int tokens = 3, heads = 4, nope = 6, rope = 8, width = heads * (nope + rope), pairs = rope / 2;
        var random = new Random(7);
        float[] original = [.. Enumerable.Range(0, tokens * width).Select(_ => (float)random.NextDouble() - 0.5f)];
        float[] angles = [.. Enumerable.Range(0, tokens * pairs).Select(_ => (float)(random.NextDouble() * 6))];
        float[] cos = [.. angles.Select(a => MathF.Cos(a))], sin = [.. angles.Select(a => MathF.Sin(a))];
        var data = (float[])original.Clone();

        RowOps.RotatePairs(data, tokens, width, heads, nope, nope + rope, cos, sin);

        for (int t = 0; t < tokens; t++)
        {
            for (int h = 0; h < heads; h++)
            {
                int head = t * width + h * (nope + rope);
                for (int i = 0; i < nope; i++)
                    Assert.Equal(original[head + i], data[head + i]);
                for (int i = 0; i < pairs; i++)
                {
                    double even = original[head + nope + 2 * i], odd = original[head + nope + 2 * i + 1];
                    double c = cos[t * pairs + i], s = sin[t * pairs + i];
                    Assert.Equal(even * c - odd * s, data[head + nope + 2 * i], 6);
                    Assert.Equal(even * s + odd * c, data[head + nope + 2 * i + 1], 6);
                }
            }
        }
    }

    [Fact]
    public void BadSizes_AreRefusedNamingThem()
    {
        var error = Assert.Throws<ArgumentException>(() => RowOps.RmsNorm(new float[10], new float[4], 1e-6, new float[10]));
        Assert.Contains("whole rows of 4", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => RowOps.RotatePairs(new float[12], 1, 12, 2, 8, 4, new float[2], new float[2]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(16)]
    [InlineData(190)]
    [InlineData(1001)]
    public void SoftmaxInPlace_MatchesDoubleExponentials_ForRowsOfAnyLength(int length)
    {
        // Both forms (Vector<T>'s and 16-float vectors) on any CPU: .NET runs Vector512 in software where it lacks them.
        foreach (bool wide in new[] { false, true })
            SoftmaxMatchesDoubleExponentials(length, wide);
    }

    private static void SoftmaxMatchesDoubleExponentials(int length, bool wide)
    {
        var random = new Random(length);
        float[] values = [.. Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 40 - 20))];
        double max = values.Max();
        double total = values.Sum(v => Math.Exp(v - max));
        double[] expected = [.. values.Select(v => Math.Exp(v - max) / total)];

        RowOps.SoftmaxInPlace(values, wide);

        for (int i = 0; i < length; i++)
            Assert.True(Math.Abs(expected[i] - values[i]) <= 1e-6 * Math.Max(expected[i], 1e-3), $"{(wide ? "wide" : "Vector<T>")}: {i} of {length}: {expected[i]} vs {values[i]}");
        Assert.InRange(values.Sum(v => (double)v), 1 - 1e-5, 1 + 1e-5);
    }

    [Fact]
    public void SoftmaxInPlace_MatchesTheFormula_AndStaysFiniteForLargeValues()
    {
        foreach (bool wide in new[] { false, true })
        {
            float[] values = [1000f, 999f, -5f, 0f, 1000f];
            double max = values.Max();
            double[] expected = [.. values.Select(v => Math.Exp(v - max) / values.Sum(u => Math.Exp(u - max)))];

            RowOps.SoftmaxInPlace(values, wide);

            for (int i = 0; i < values.Length; i++)
                Assert.True(Math.Abs(expected[i] - values[i]) <= 1e-6, $"wide {wide}, {i}: {expected[i]} vs {values[i]}");
        }
    }

    [Theory]
    [InlineData(3)]
    [InlineData(40)]
    public void SoftmaxInPlace_OfANaNScore_IsNaNEverywhere_AndOfNoScoresIsNothing(int length)
    {
        // A NaN must not be lost by the maximum (a comparison-based max could skip it and give a
        // plausible-looking row): every weight depends on it through the sum.
        foreach (bool wide in new[] { false, true })
        {
            float[] values = [.. Enumerable.Range(0, length).Select(i => (float)i)];
            values[length / 2] = float.NaN;

            RowOps.SoftmaxInPlace(values, wide);

            Assert.All(values, v => Assert.True(float.IsNaN(v)));
            RowOps.SoftmaxInPlace(Span<float>.Empty, wide);
        }
    }
}
