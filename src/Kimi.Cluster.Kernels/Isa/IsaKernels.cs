using System.Runtime.Intrinsics;
using Kimi.Cluster.Kernels.Core;
using Kimi.Cluster.Kernels.Formats;

namespace Kimi.Cluster.Kernels.Isa;

/// <summary>
/// One instruction-set path's building blocks: row decode into the path's input layout, register-
/// blocked dot products over decoded rows, and fused single-token matvecs that read weights in place.
/// The row kernel composes them; everything format- and ISA-specific lives behind this class.
/// </summary>
internal abstract unsafe class IsaKernels
{
    /// <summary>Which path this is.</summary>
    public abstract KernelIsa Isa { get; }

    /// <summary>Floats per vector; fixes the <see cref="InputLayout"/> of packed formats.</summary>
    public abstract int Lanes { get; }

    /// <summary>Tokens one <see cref="Dot4"/> call handles.</summary>
    public abstract int TokensPerDot { get; }

    /// <summary>The input order this path wants for <paramref name="format"/>.</summary>
    public InputLayout LayoutFor(WeightFormat format) => InputLayout.For(format, Lanes);

    /// <summary>
    /// Dots four decoded rows (<paramref name="w"/>, row stride <paramref name="wStride"/>) with
    /// <see cref="TokensPerDot"/> input rows (stride <paramref name="xStride"/>) over
    /// <paramref name="length"/> columns: result[t·4 + r].
    /// </summary>
    public abstract void Dot4(float* w, int wStride, float* x, int xStride, int length, float* result);

    /// <summary>Dots four decoded rows with one input row: result[r].</summary>
    public abstract void Dot4x1(float* w, int wStride, float* x, int length, float* result);

    /// <summary>Whether <see cref="MatVec4"/> reads <paramref name="format"/> in place.</summary>
    public virtual bool HasMatVec(WeightFormat format) => false;

    /// <summary>
    /// Rows <paramref name="row0"/>..+3 of W times one input row in this path's layout: result[r].
    /// Reads every weight byte once, straight from the stored matrix.
    /// </summary>
    public virtual void MatVec4(WeightMatrix w, int row0, float* x, float* result) =>
        throw new NotSupportedException($"{Isa} has no fused matvec for {w.Format}.");

    /// <summary>
    /// Decodes rows row0..row0+count−1, columns k0..k0+length−1 (k0 a multiple of 128) into
    /// <paramref name="destination"/> (row stride <paramref name="destinationStride"/>) in this path's layout.
    /// </summary>
    public void DecodeRows(WeightMatrix w, int row0, int count, int k0, int length, float* destination, int destinationStride)
    {
        for (int r = 0; r < count; r++)
        {
            DecodeRow(w, row0 + r, k0, length, destination + (long)r * destinationStride);
        }
    }

    /// <summary>Decodes part of one row in this path's layout; natural order unless overridden.</summary>
    protected virtual void DecodeRow(WeightMatrix w, int row, int k0, int length, float* destination) =>
        ScalarDecoder.Decode(w, row, k0, length, destination);

    /// <summary>Dequantizes int4 scales [first, first+count) of a row into 16-float-padded scratch.</summary>
    protected static float* Int4Scales(WeightMatrix w, int row, int first, int count, int scratchRow)
    {
        int padded = (w.Shape.ScaleColumns + 16 + 15) & ~15;
        float* destination = Scratch.Current.Get(ScratchSlot.Scales, 4L * padded) + (long)scratchRow * padded;
        ushort* source = (ushort*)w.Scales + (long)row * w.Shape.ScaleColumns + first;
        int g = 0;
        for (; g <= count - 8; g += 8)
        {
            var (low, high) = Vector128.Widen(Vector128.Load(source + g));
            (low << 16).AsSingle().Store(destination + g);
            (high << 16).AsSingle().Store(destination + g + 4);
        }
        for (; g < count; g++)
        {
            destination[g] = FloatBits.BFloat16ToSingle(source[g]);
        }
        for (g = count; g < count + 16; g++)
        {
            destination[g] = 0f;
        }
        return destination;
    }
}
