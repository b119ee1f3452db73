namespace Kimi.Cluster.Tests.Shared.Reference;

/// <summary>Elementwise and matrix helpers in double precision, plain loops only.</summary>
public static class ReferenceMath
{
    /// <summary>x / sqrt(mean(x²) + eps) · weight.</summary>
    public static double[] RmsNorm(double[] x, double[] weight, double eps)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Length != x.Length)
        {
            throw new ArgumentException($"norm weight has {weight.Length} entries, input {x.Length}");
        }
        double sumSquares = 0;
        foreach (double v in x)
        {
            sumSquares += v * v;
        }
        double inv = 1.0 / Math.Sqrt(sumSquares / x.Length + eps);
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = x[i] * inv * weight[i];
        }
        return y;
    }

    /// <summary>y = W·x for a weight stored [out, in] (torch nn.Linear without bias).</summary>
    public static double[] Linear(double[] x, ReferenceTensor weight)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        int rows = weight.Rows, cols = weight.Cols;
        if (x.Length != cols)
        {
            throw new ArgumentException($"weight [{rows},{cols}] applied to a vector of {x.Length}");
        }
        var w = weight.Values;
        var y = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double sum = 0;
            int offset = r * cols;
            for (int c = 0; c < cols; c++)
            {
                sum += w[offset + c] * x[c];
            }
            y[r] = sum;
        }
        return y;
    }

    public static double Sigmoid(double z) => 1.0 / (1.0 + Math.Exp(-z));

    public static double Silu(double z) => z / (1.0 + Math.Exp(-z));

    public static double[] Softmax(double[] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        double max = double.NegativeInfinity;
        foreach (double v in x)
        {
            max = Math.Max(max, v);
        }
        var y = new double[x.Length];
        double sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = Math.Exp(x[i] - max);
            sum += y[i];
        }
        for (int i = 0; i < y.Length; i++)
        {
            y[i] /= sum;
        }
        return y;
    }

    /// <summary>log softmax, shifted by the max for stability.</summary>
    public static double[] LogSoftmax(double[] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        double max = double.NegativeInfinity;
        foreach (double v in x)
        {
            max = Math.Max(max, v);
        }
        double sum = 0;
        foreach (double v in x)
        {
            sum += Math.Exp(v - max);
        }
        double logZ = max + Math.Log(sum);
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = x[i] - logZ;
        }
        return y;
    }

    public static double[] Add(double[] a, double[] b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var y = new double[a.Length];
        for (int i = 0; i < a.Length; i++)
        {
            y[i] = a[i] + b[i];
        }
        return y;
    }

    /// <summary>Σ a[aOffset+i]·b[bOffset+i] over <paramref name="length"/> entries.</summary>
    public static double Dot(double[] a, int aOffset, double[] b, int bOffset, int length)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        double sum = 0;
        for (int i = 0; i < length; i++)
        {
            sum += a[aOffset + i] * b[bOffset + i];
        }
        return sum;
    }
}
