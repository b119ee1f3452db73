using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace Kimi.Cluster.Kernels.Rows;

/// <summary>
/// The small per-row operations of a decode step done in one pass over the row instead of a
/// handful of libtorch calls (each costs more than the arithmetic at decode sizes): RMSNorm,
/// the interleaved-pair rotary embedding and softmax. Float32 in and out; sums in double.
/// </summary>
public static class RowOps
{
    /// <summary>y[r] = x[r] / sqrt(mean(x[r]²) + eps) · weight for each of the rows of width weight.Length.</summary>
    public static void RmsNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, double eps, Span<float> y)
    {
        int width = weight.Length;
        if (width == 0 || x.Length % width != 0 || y.Length != x.Length)
            throw new ArgumentException($"RmsNorm: x ({x.Length}) and y ({y.Length}) must hold whole rows of {width}.", nameof(x));
        for (int start = 0; start < x.Length; start += width)
        {
            var row = x.Slice(start, width);
            float scale = (float)(1.0 / Math.Sqrt(SumOfSquares(row) / width + eps));
            var output = y.Slice(start, width);
            for (int i = 0; i < width; i++)
                output[i] = row[i] * scale * weight[i];
        }
    }

    /// <summary>
    /// Rotates, in place, the pairs (v[2i], v[2i+1]) of every rotary slice: data holds
    /// <paramref name="tokens"/> rows of <paramref name="rowWidth"/> floats, each with
    /// <paramref name="slices"/> slices of cos.Length·2 floats starting at <paramref name="offset"/>
    /// and <paramref name="stride"/> apart (heads of a query, or the one rope key). cos and sin are
    /// [tokens, pairs]: v' = (even·cos − odd·sin, even·sin + odd·cos).
    /// </summary>
    public static void RotatePairs(Span<float> data, int tokens, int rowWidth, int slices, int offset, int stride,
        ReadOnlySpan<float> cos, ReadOnlySpan<float> sin)
    {
        int pairs = tokens == 0 ? 0 : cos.Length / tokens;
        if (tokens < 0 || data.Length != tokens * rowWidth || cos.Length != tokens * pairs || sin.Length != cos.Length
            || offset + (slices - 1) * stride + 2 * pairs > rowWidth)
            throw new ArgumentException($"RotatePairs: {tokens} rows of {rowWidth} with {slices} slices of {2 * pairs} at {offset} (stride {stride}) do not fit.", nameof(data));
        for (int t = 0; t < tokens; t++)
        {
            var c = cos.Slice(t * pairs, pairs);
            var s = sin.Slice(t * pairs, pairs);
            for (int slice = 0; slice < slices; slice++)
            {
                var v = data.Slice(t * rowWidth + offset + slice * stride, 2 * pairs);
                for (int i = 0; i < pairs; i++)
                {
                    float even = v[2 * i], odd = v[2 * i + 1];
                    v[2 * i] = even * c[i] - odd * s[i];
                    v[2 * i + 1] = even * s[i] + odd * c[i];
                }
            }
        }
    }

    /// <summary>
    /// In place: v[i] = exp(v[i] − max) / Σ exp(v − max), in float32 with the sum in double. The
    /// exponentials go a vector at a time (attention takes one softmax per head over its whole cache
    /// every step; one MathF.Exp per score was a tenth of the decode attention's time), the last
    /// partial vector padded through the same vector exp, so a value does not depend on where its row ends.
    /// 16-float vectors where the CPU has them (the exponential half the cost a value).
    /// </summary>
    public static void SoftmaxInPlace(Span<float> values) => SoftmaxInPlace(values, Vector512.IsHardwareAccelerated);

    /// <param name="values">The row, replaced by its softmax.</param>
    /// <param name="wide">Whether the exponentials go 16 floats at a time (tests take each form on any CPU).</param>
    internal static void SoftmaxInPlace(Span<float> values, bool wide)
    {
        if (values.IsEmpty)
            return;
        // NaN wins, as with Math.Max; the maximum is the same in any order.
        float max = TensorPrimitives.Max(values);
        double sum = wide ? Exponentials512(values, max) : Exponentials(values, max);
        float inverse = (float)(1 / sum);
        TensorPrimitives.Multiply(values, inverse, values);
    }

    /// <summary>v[i] = exp(v[i] − max) a <see cref="Vector{T}"/> at a time; returns Σ v in double.</summary>
    private static double Exponentials(Span<float> values, float max)
    {
        int width = Vector<float>.Count, i = 0;
        var shift = new Vector<float>(max);
        var sums = Vector<double>.Zero;
        for (; i <= values.Length - width; i += width)
        {
            var exponentials = Vector.Exp(new Vector<float>(values.Slice(i)) - shift);
            exponentials.CopyTo(values.Slice(i));
            Vector.Widen(exponentials, out var low, out var high);
            sums += low + high;
        }
        double sum = Vector.Sum(sums);
        if (i < values.Length)
        {
            Span<float> tail = stackalloc float[width];
            values[i..].CopyTo(tail);
            Vector.Exp(new Vector<float>(tail) - shift).CopyTo(tail);
            for (int k = 0; k < values.Length - i; k++)
            {
                values[i + k] = tail[k];
                sum += tail[k];
            }
        }
        return sum;
    }

    /// <summary><see cref="Exponentials"/> on 16-float vectors: the exponential costs half as much a value (0.31 against 0.63 ns on the AVX-512 machine measured).</summary>
    private static double Exponentials512(Span<float> values, float max)
    {
        int width = Vector512<float>.Count, i = 0;
        var shift = Vector512.Create(max);
        var sums = Vector512<double>.Zero;
        for (; i <= values.Length - width; i += width)
        {
            var exponentials = Vector512.Exp(Vector512.Create(values.Slice(i)) - shift);
            exponentials.CopyTo(values.Slice(i));
            var (low, high) = Vector512.Widen(exponentials);
            sums += low + high;
        }
        double sum = Vector512.Sum(sums);
        if (i < values.Length)
        {
            Span<float> tail = stackalloc float[width];
            values[i..].CopyTo(tail);
            Vector512.Exp(Vector512.Create(tail) - shift).CopyTo(tail);
            for (int k = 0; k < values.Length - i; k++)
            {
                values[i + k] = tail[k];
                sum += tail[k];
            }
        }
        return sum;
    }

    private static double SumOfSquares(ReadOnlySpan<float> row)
    {
        var sum = Vector<double>.Zero;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i + Vector<float>.Count <= row.Length; i += Vector<float>.Count)
            {
                Vector.Widen(new Vector<float>(row.Slice(i)), out var low, out var high);
                sum += low * low + high * high;
            }
        }
        double total = Vector.Sum(sum);
        for (; i < row.Length; i++)
            total += (double)row[i] * row[i];
        return total;
    }
}
