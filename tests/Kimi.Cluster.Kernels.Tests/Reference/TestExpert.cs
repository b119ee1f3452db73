namespace Kimi.Cluster.Kernels.Tests.Reference;

/// <summary>A random SwiGLU expert and the double-precision definition of the grouped expert call.</summary>
public sealed class TestExpert : IDisposable
{
    private TestExpert(TestMatrix gate, TestMatrix up, TestMatrix down)
    {
        Gate = gate;
        Up = up;
        Down = down;
        Weights = new ExpertWeights(gate.Matrix, up.Matrix, down.Matrix);
        GateValues = ReferenceFormats.Dequantize(gate);
        UpValues = ReferenceFormats.Dequantize(up);
        DownValues = ReferenceFormats.Dequantize(down);
    }

    public TestMatrix Gate { get; }

    public TestMatrix Up { get; }

    public TestMatrix Down { get; }

    public ExpertWeights Weights { get; }

    public double[,] GateValues { get; }

    public double[,] UpValues { get; }

    public double[,] DownValues { get; }

    public static TestExpert Random(string format, int hidden, int intermediate, Random random) => new(
        TestMatrix.Random(FormatCases.Shape(format, intermediate, hidden), random),
        TestMatrix.Random(FormatCases.Shape(format, intermediate, hidden), random),
        TestMatrix.Random(FormatCases.Shape(format, hidden, intermediate), random));

    /// <summary>
    /// y[t] = Σ w·down(silu(gate x) ⊙ up x) and a magnitude bounding the float error: the down terms'
    /// absolute sum with each activation widened by its own gate and up term magnitudes.
    /// </summary>
    public static (double[] Values, double[] Magnitudes) Reference(
        IReadOnlyList<TestExpert?> experts, float[] x, int tokens, int hidden, IEnumerable<ExpertAssignment> assignments)
    {
        var values = new double[tokens * hidden];
        var magnitudes = new double[tokens * hidden];
        foreach (var a in assignments)
        {
            var e = experts[a.Expert]!;
            var input = x.AsSpan(a.Token * hidden, hidden).ToArray();
            var (g, gAbs) = ReferenceMath.MatMul(e.GateValues, input, 1);
            var (u, uAbs) = ReferenceMath.MatMul(e.UpValues, input, 1);
            var h = new double[g.Length];
            var hAbs = new double[g.Length];
            for (int i = 0; i < g.Length; i++)
            {
                double silu = g[i] / (1 + Math.Exp(-g[i]));
                h[i] = silu * u[i];
                hAbs[i] = Math.Abs(silu * u[i]) + (gAbs[i] + Math.Abs(g[i])) * uAbs[i] + Math.Abs(silu) * uAbs[i];
            }
            for (int o = 0; o < hidden; o++)
            {
                double sum = 0, magnitude = 0;
                for (int i = 0; i < h.Length; i++)
                {
                    sum += e.DownValues[o, i] * h[i];
                    magnitude += Math.Abs(e.DownValues[o, i]) * hAbs[i];
                }
                values[a.Token * hidden + o] += a.Weight * sum;
                magnitudes[a.Token * hidden + o] += Math.Abs(a.Weight) * magnitude;
            }
        }
        return (values, magnitudes);
    }

    public void Dispose()
    {
        Gate.Dispose();
        Up.Dispose();
        Down.Dispose();
    }
}
