using System.Buffers;
using Kimi.Cluster.Model.TensorSupport;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Layers;

/// <summary>
/// RMSNorm(x)'s rows in pooled memory, for projections that read them and nothing else (the input
/// norm before q_a and kv_a, the query latents' norm before q_b, the final norm before lm_head): a
/// decode step then makes and disposes no tensor for them, about a microsecond and a half each.
/// The values are the norm's own (<see cref="RmsNorm.Forward(ReadOnlySpan{float}, Span{float})"/>).
/// </summary>
internal readonly struct NormedRows : IDisposable
{
    private readonly float[] _buffer;
    private readonly int _length;

    /// <param name="x">[tokens, width] (width the norm's size), any dtype and layout.</param>
    public NormedRows(RmsNorm norm, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(norm);
        if (x.Dimensions == 0 || x.size(-1) != norm.Size)
            throw new ArgumentException($"rows of {(x.Dimensions == 0 ? 0 : x.size(-1))} values for a norm over {norm.Size}", nameof(x));
        var input = TensorMemory.ContiguousFloat32(x);
        try
        {
            var values = TensorMemory.Floats(input);
            _length = values.Length;
            Tokens = norm.Size == 0 ? 0 : _length / norm.Size;
            _buffer = ArrayPool<float>.Shared.Rent(_length);
            norm.Forward(values, _buffer.AsSpan(0, _length));
        }
        finally
        {
            if (!ReferenceEquals(input, x))
                input.Dispose();
        }
    }

    /// <summary>The normalised rows, [tokens, width] row-major.</summary>
    public ReadOnlySpan<float> Values => _buffer.AsSpan(0, _length);

    public int Tokens { get; }

    public void Dispose() => ArrayPool<float>.Shared.Return(_buffer);
}
