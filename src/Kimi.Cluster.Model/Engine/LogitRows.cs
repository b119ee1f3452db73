using System.Buffers;
using System.Numerics.Tensors;

namespace Kimi.Cluster.Model.Engine;

/// <summary>
/// Reductions over one row of logits (the normalizer, the greedy pick) done with vectorized managed
/// code, on the row's memory in place: over a 160K vocabulary libtorch's CPU exp costs about a
/// millisecond a row here, these a few dozen microseconds.
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

    /// <summary>
    /// The index of the row's largest value, as libtorch's argmax picks it: the first of equal ones
    /// (+0 and −0 equal), the first NaN when there is one.
    /// </summary>
    public static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = TensorPrimitives.IndexOfMax(row);
        // IndexOfMax ranks +0 above −0; libtorch's comparison has them equal, so the first zero wins.
        return best > 0 && row[best] == 0f ? FirstZero(row, best) : best;
    }

    /// <summary>The first index holding a zero of either sign, <paramref name="zero"/> (a zero) at the latest.</summary>
    private static int FirstZero(ReadOnlySpan<float> row, int zero)
    {
        for (int i = 0; i < zero; i++)
        {
            if (row[i] == 0f)
                return i;
        }
        return zero;
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
