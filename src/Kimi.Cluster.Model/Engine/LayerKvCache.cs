using Kimi.Cluster.Model.Layers;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Engine;

/// <summary>
/// One sequence's MLA cache for one layer: a row per token of the normalised latent then the
/// rotated rope key (kv_lora_rank + qk_rope_head_dim floats), grown by doubling.
/// </summary>
public sealed class LayerKvCache(long latentWidth, long ropeWidth) : ILayerCache, IDisposable
{
    private const long InitialCapacity = 16;
    // Cache tensors outlive every forward pass: keep them out of any dispose scope.
    private Tensor _rows = zeros(InitialCapacity, latentWidth + ropeWidth).DetachFromDisposeScope();
    private int[] _positions = [];

    public long Length { get; private set; }

    /// <inheritdoc/>
    public Tensor All => _rows.narrow(0, 0, Length);

    /// <inheritdoc/>
    public CachedRows Rows
    {
        get
        {
            if (_positions.Length != Length)
                _positions = [.. Enumerable.Range(0, (int)Length)];
            return new CachedRows(_rows, _positions);
        }
    }

    public void Append(ReadOnlySpan<float> rows)
    {
        long width = latentWidth + ropeWidth;
        if (rows.Length % width != 0)
            throw new ArgumentException($"Expected whole rows of {width} floats, got {rows.Length} floats.", nameof(rows));
        long n = rows.Length / width;
        EnsureCapacity(Length + n);
        rows.CopyTo(TensorMemory.Floats(_rows)[(int)(Length * width)..]);
        Length += n;
    }

    private void EnsureCapacity(long needed)
    {
        long capacity = _rows.shape[0];
        if (needed <= capacity)
            return;
        while (capacity < needed)
            capacity *= 2;
        var grown = zeros(capacity, _rows.shape[1]).DetachFromDisposeScope();
        using (var slot = grown.narrow(0, 0, Length))
        using (var kept = _rows.narrow(0, 0, Length))
            slot.copy_(kept);
        _rows.Dispose();
        _rows = grown;
    }

    public void Dispose() => _rows.Dispose();
}
