using Kimi.Cluster.Kernels;
using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.TensorSupport;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Layers;

/// <summary>
/// y = x·Wᵀ with W held as the checkpoint stores it (INT4 group, FP8 block, BF16, F16, F32) and computed
/// by our kernels with float32 accumulation: the weight is never expanded in memory.
/// </summary>
public sealed class Linear(WeightBuffer weights) : IDisposable
{
    public static Linear Load(IWeightSource source, string module, long outFeatures, long inFeatures) =>
        new(source.LoadMatrix(module, checked((int)outFeatures), checked((int)inFeatures)));

    public WeightMatrix Weights => weights.Matrix;

    public int OutFeatures => weights.Matrix.Rows;

    public int InFeatures => weights.Matrix.Columns;

    /// <summary>x: [..., in] → [..., out] float32.</summary>
    public Tensor Forward(Tensor x)
    {
        var sizes = TensorSizes.Of(x);
        sizes[^1] = OutFeatures;
        var output = empty(sizes, ScalarType.Float32);
        Forward(x, TensorMemory.Floats(output));
        return output;
    }

    /// <summary>
    /// x·Wᵀ into <paramref name="output"/> ([tokens, out] row-major): for a result used once and
    /// dropped (the MoE router's logits) no tensor is made and disposed.
    /// </summary>
    public void Forward(Tensor x, Span<float> output)
    {
        using var scope = NewDisposeScope();
        var input = TensorMemory.ContiguousFloat32(x);
        Project(TensorMemory.Floats(input), checked((int)(input.numel() / InFeatures)), output);
    }

    /// <summary>
    /// norm(x)·Wᵀ, the rows normalised into pooled memory on the way in (<see cref="NormedRows"/>):
    /// the same values as Forward(norm.Forward(x)) without the normalised tensor. x: [tokens, in] → [tokens, out].
    /// </summary>
    public Tensor Forward(RmsNorm norm, Tensor x)
    {
        using var normed = new NormedRows(norm, x);
        return Forward(normed);
    }

    /// <summary>x·Wᵀ over rows already normalised: [tokens, out] float32.</summary>
    internal Tensor Forward(in NormedRows x)
    {
        var output = empty(x.Tokens, OutFeatures);
        Project(x.Values, x.Tokens, TensorMemory.Floats(output));
        return output;
    }

    /// <summary>
    /// first(x) and second(x) in one kernel dispatch (two projections of the same input, as MLA's
    /// q_a and kv_a are): each equal to its own <see cref="Forward(Tensor)"/>. x: [tokens, in] → [tokens, out] each.
    /// </summary>
    public static (Tensor First, Tensor Second) ForwardBoth(Linear first, Linear second, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        using var scope = NewDisposeScope();
        var input = TensorMemory.ContiguousFloat32(x);
        var (y, ySecond) = ProjectBoth(first, second, TensorMemory.Floats(input), checked((int)input.size(0)));
        return (y.MoveToOuterDisposeScope(), ySecond.MoveToOuterDisposeScope());
    }

    /// <summary><see cref="ForwardBoth(Linear, Linear, Tensor)"/> over rows already normalised.</summary>
    internal static (Tensor First, Tensor Second) ForwardBoth(Linear first, Linear second, in NormedRows x) =>
        ProjectBoth(first, second, x.Values, x.Tokens);

    // The one place each shape checks its rows and calls the kernel; every form above only finds
    // its rows (a tensor's memory or pooled normalised rows) and where the outputs go.
    private void Project(ReadOnlySpan<float> rows, int tokens, Span<float> output)
    {
        if (rows.Length != (long)tokens * InFeatures)
            throw new ArgumentException($"{rows.Length} input values are not {tokens} rows of {InFeatures}", nameof(rows));
        if (output.Length != (long)tokens * OutFeatures)
            throw new ArgumentException($"{output.Length} output values for {tokens} tokens × {OutFeatures} outputs", nameof(output));
        if (tokens > 0)
            CpuKernels.Shared.MatMul(weights.Matrix, rows, output, tokens);
    }

    private static (Tensor First, Tensor Second) ProjectBoth(Linear first, Linear second, ReadOnlySpan<float> rows, int tokens)
    {
        if (rows.Length != (long)tokens * first.InFeatures || first.InFeatures != second.InFeatures)
            throw new ArgumentException($"{rows.Length} input values are not {tokens} rows of {first.InFeatures} for both projections", nameof(rows));
        var y = empty(tokens, first.OutFeatures);
        var ySecond = empty(tokens, second.OutFeatures);
        if (tokens > 0)
        {
            CpuKernels.Shared.MatMul(first.Weights, second.Weights, rows,
                TensorMemory.Floats(y), TensorMemory.Floats(ySecond), tokens);
        }
        return (y, ySecond);
    }

    public void Dispose() => weights.Dispose();
}
