namespace Kimi.Cluster.Kernels.Attention;

/// <summary>
/// Where the operands of a per-head product y(t, h, ·) = x(t, h, ·)·W[h] live: x(t, h, i) at
/// t·XTokenStride + h·XHeadStride + i, W[h, i, o] at (h·Inputs + i)·Outputs + o (row-major
/// [Heads, Inputs, Outputs]), y(t, h, o) at t·YTokenStride + h·YHeadStride + o. Strides let the
/// product read a slice of each query row and write straight into the layout its consumer wants.
/// </summary>
public sealed record HeadProductLayout(
    int Heads, int Tokens, int Inputs, int Outputs, long XTokenStride, long XHeadStride, long YTokenStride, long YHeadStride)
{
    /// <summary>Weights in W, [Heads, Inputs, Outputs].</summary>
    public long WeightCount => (long)Heads * Inputs * Outputs;

    /// <summary>Bytes of W held as <paramref name="format"/> (float32 or bf16).</summary>
    public long WeightBytes(WeightFormat format) => Heads * HeadBytes(format);

    /// <summary>Bytes of one head's W[h], [Inputs, Outputs], held as <paramref name="format"/>.</summary>
    public long HeadBytes(WeightFormat format) => (long)Inputs * Outputs * (format == WeightFormat.BFloat16 ? sizeof(ushort) : sizeof(float));

    internal void Validate(long xLength, long weightLength, long yLength)
    {
        if (Heads <= 0 || Tokens <= 0 || Inputs <= 0 || Outputs <= 0)
            throw new ArgumentException($"Head product: {this} has a size that is not positive.");
        if (weightLength != WeightCount)
            throw new ArgumentException($"Head product: the weights must hold {Heads}×{Inputs}×{Outputs} values, not {weightLength}.");
        long xEnd = (Tokens - 1) * XTokenStride + (Heads - 1) * XHeadStride + Inputs;
        long yEnd = (Tokens - 1) * YTokenStride + (Heads - 1) * YHeadStride + Outputs;
        if (XTokenStride < 0 || XHeadStride < 0 || xEnd > xLength)
            throw new ArgumentException($"Head product: x ({xLength} floats) is too short for {this}.");
        if (YTokenStride < 0 || YHeadStride < 0 || yEnd > yLength)
            throw new ArgumentException($"Head product: y ({yLength} floats) is too short for {this}.");
    }
}
