using System.Buffers;
using System.Numerics.Tensors;

namespace Kimi.Cluster.Model.Engine;

/// <summary>
/// Reductions over one row of logits done with vectorized managed code, on the row's memory in
/// place: over a 160K vocabulary libtorch's CPU exp costs about a millisecond a row here, these
/// a few dozen microseconds.
/// </summary>
internal static class LogitRows
{
    /// <summary>log Σ exp(x[t] / temperature), computed stably (after the row's maximum); -inf for an all -inf row.</summary>
    public static double LogSumExp(ReadOnlySpan<float> row, float temperature = 1f)
    {
        float max = TensorPrimitives.Max(row);
        if (float.IsNegativeInfinity(max))
            return double.NegativeInfinity;
        float[] buffer = ArrayPool<float>.Shared.Rent(row.Length);
        try
        {
            var scaled = buffer.AsSpan(0, row.Length);
            TensorPrimitives.Subtract(row, max, scaled);
            if (temperature != 1f)
                TensorPrimitives.Divide(scaled, temperature, scaled);
            TensorPrimitives.Exp(scaled, scaled);
            return (double)max / temperature + Math.Log(Sum(scaled));
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    // Vectorized float sums of short chunks, added in double: the error stays that of a few
    // thousand terms, not of the whole vocabulary.
    private static double Sum(ReadOnlySpan<float> values)
    {
        const int Chunk = 2048;
        double total = 0;
        for (int start = 0; start < values.Length; start += Chunk)
            total += TensorPrimitives.Sum(values.Slice(start, Math.Min(Chunk, values.Length - start)));
        return total;
    }
}
