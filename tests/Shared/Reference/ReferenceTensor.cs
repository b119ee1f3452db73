namespace Kimi.Cluster.Tests.Shared.Reference;

/// <summary>
/// A tensor as stored: its shape and its values after rounding to the stored type
/// (row-major), so the reference computes on exactly what a loader reads.
/// </summary>
public sealed class ReferenceTensor
{
    public ReferenceTensor(int[] shape, double[] values, StoredDtype dtype)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(values);
        long count = 1;
        foreach (int d in shape)
        {
            count *= d;
        }
        if (count != values.Length)
        {
            throw new ArgumentException($"shape [{string.Join(',', shape)}] needs {count} values, got {values.Length}");
        }
        Shape = shape;
        Values = values;
        Dtype = dtype;
    }

    public IReadOnlyList<int> Shape { get; }
    public double[] Values { get; }
    /// <summary>
    /// The stored type the values were rounded to; for a quantized weight the type of its codes
    /// (F8E4M3, or I32 for packed INT4), the values then being the dequantized ones.
    /// </summary>
    public StoredDtype Dtype { get; }

    /// <summary>Out features of a [out, in] weight.</summary>
    public int Rows => Shape[0];

    /// <summary>In features of a [out, in] weight.</summary>
    public int Cols => Shape.Count > 1 ? Shape[1] : 1;

    public double this[int row, int col] => Values[row * Cols + col];
}
