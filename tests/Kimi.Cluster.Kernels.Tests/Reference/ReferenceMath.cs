namespace Kimi.Cluster.Kernels.Tests.Reference;

/// <summary>Double-precision matmul with the magnitude of its terms, for relative error bounds.</summary>
public static class ReferenceMath
{
    /// <summary>y[t, o] = Σ_i x[t, i]·W[o, i] and Σ_i |x[t, i]·W[o, i]|.</summary>
    public static (double[] Values, double[] Magnitudes) MatMul(double[,] w, float[] x, int tokens)
    {
        int rows = w.GetLength(0), columns = w.GetLength(1);
        var values = new double[tokens * rows];
        var magnitudes = new double[tokens * rows];
        for (int t = 0; t < tokens; t++)
        {
            for (int o = 0; o < rows; o++)
            {
                double sum = 0, magnitude = 0;
                for (int i = 0; i < columns; i++)
                {
                    double term = x[t * columns + i] * w[o, i];
                    sum += term;
                    magnitude += Math.Abs(term);
                }
                values[t * rows + o] = sum;
                magnitudes[t * rows + o] = magnitude;
            }
        }
        return (values, magnitudes);
    }

    /// <summary>Uniform floats in [−1, 1).</summary>
    public static float[] RandomInputs(int count, Random random) =>
        Enumerable.Range(0, count).Select(_ => (float)(2 * random.NextDouble() - 1)).ToArray();

    /// <summary>Asserts |actual − expected| ≤ tolerance·magnitude for every element, naming the first failure.</summary>
    public static void AssertClose(float[] actual, double[] expected, double[] magnitudes, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < actual.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]);
            double bound = tolerance * magnitudes[i] + 1e-30;
            Assert.True(error <= bound,
                $"{what}: element {i} is {actual[i]}, expected {expected[i]} (error {error:E3} > {bound:E3}).");
        }
    }
}
