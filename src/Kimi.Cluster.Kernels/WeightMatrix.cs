using Kimi.Cluster.Kernels.Formats;

namespace Kimi.Cluster.Kernels;

/// <summary>
/// An immutable view of one weight matrix in native memory: its <see cref="WeightShape"/> and the
/// addresses of its stored data and scales. Pointers and long sizes rather than spans, because one
/// matrix may exceed 2 GiB (a 163840 × 7168 bf16 embedding is 2.35 GB). It owns nothing: whoever
/// allocated the memory (a <see cref="WeightBuffer"/>, a mapped file) must outlive every use.
/// </summary>
public sealed class WeightMatrix
{
    /// <summary>Describes memory holding a matrix of <paramref name="shape"/>.</summary>
    /// <param name="shape">Format and sizes.</param>
    /// <param name="data">Address of the stored weights (<see cref="WeightShape.DataBytes"/> bytes).</param>
    /// <param name="scales">Address of the stored scales; required exactly when the format has scales.</param>
    public WeightMatrix(WeightShape shape, nint data, nint scales = 0)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (data == 0)
        {
            throw new ArgumentException($"{shape}: the data address is null.", nameof(data));
        }
        bool needsScales = shape.ScaleBytes > 0;
        if (needsScales != (scales != 0))
        {
            throw new ArgumentException(
                needsScales ? $"{shape}: the scale address is null." : $"{shape}: this format has no scales.",
                nameof(scales));
        }
        Shape = shape;
        Data = data;
        Scales = scales;
        MayHoldFp8Nan = shape.Format == WeightFormat.Fp8Block;
    }

    /// <summary>Format and sizes.</summary>
    public WeightShape Shape { get; }

    /// <summary>How the weights are stored.</summary>
    public WeightFormat Format => Shape.Format;

    /// <summary>Output features (rows of W).</summary>
    public int Rows => Shape.Rows;

    /// <summary>Input features (columns of W).</summary>
    public int Columns => Shape.Columns;

    /// <summary>Address of the stored weights.</summary>
    public nint Data { get; }

    /// <summary>Address of the stored scales, or 0.</summary>
    public nint Scales { get; }

    /// <summary>
    /// Whether an FP8 matrix may hold NaN bytes (0x7F, 0xFF), which the kernels then decode to NaN.
    /// True unless its <see cref="WeightBuffer"/> looked through the bytes once they were in
    /// (<see cref="WeightBuffer.FindFp8Nans"/>) and found none: memory described from outside (a
    /// mapped file) keeps the check. Always false for other formats.
    /// </summary>
    public bool MayHoldFp8Nan { get; internal set; }

    /// <summary>Data plus scale bytes exactly as the checkpoint stores them.</summary>
    public long StoredBytes => Shape.StoredBytes;

    /// <summary>
    /// Dequantizes row <paramref name="row"/> into <paramref name="destination"/> (length
    /// <see cref="Columns"/>), in natural column order: an embedding lookup.
    /// </summary>
    public unsafe void DecodeRow(int row, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Rows);
        if (destination.Length != Columns)
        {
            throw new ArgumentException(
                $"{Shape}: a row has {Columns} values but the destination holds {destination.Length}.",
                nameof(destination));
        }
        fixed (float* dst = destination)
        {
            ScalarDecoder.Decode(this, row, 0, Columns, dst);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Shape.ToString();
}
