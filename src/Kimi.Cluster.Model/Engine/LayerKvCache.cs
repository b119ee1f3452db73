using Kimi.Cluster.Model.Layers;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Engine;

/// <summary>
/// One sequence's MLA cache for one layer: the normalised latent and the rotated rope key
/// per token (kv_lora_rank + qk_rope_head_dim floats), grown by doubling.
/// </summary>
public sealed class LayerKvCache(long latentWidth, long ropeWidth) : ILayerCache, IDisposable
{
    private const long InitialCapacity = 16;
    // Cache tensors outlive every forward pass: keep them out of any dispose scope.
    private Tensor _latent = zeros(InitialCapacity, latentWidth).DetachFromDisposeScope();
    private Tensor _ropeKey = zeros(InitialCapacity, ropeWidth).DetachFromDisposeScope();

    public long Length { get; private set; }

    /// <summary>[Length, kv_lora_rank]: a view, valid until the next append.</summary>
    public Tensor Latent => _latent.narrow(0, 0, Length);

    /// <summary>[Length, qk_rope_head_dim]: a view, valid until the next append.</summary>
    public Tensor RopeKey => _ropeKey.narrow(0, 0, Length);

    public void Append(Tensor latent, Tensor ropeKey) // [n, kv_lora_rank], [n, qk_rope_head_dim]
    {
        long n = latent.shape[0];
        EnsureCapacity(Length + n);
        using (var slot = _latent.narrow(0, Length, n))
            slot.copy_(latent);
        using (var slot = _ropeKey.narrow(0, Length, n))
            slot.copy_(ropeKey);
        Length += n;
    }

    private void EnsureCapacity(long needed)
    {
        long capacity = _latent.shape[0];
        if (needed <= capacity)
            return;
        while (capacity < needed)
            capacity *= 2;
        _latent = Grow(_latent, capacity);
        _ropeKey = Grow(_ropeKey, capacity);
    }

    private Tensor Grow(Tensor old, long capacity)
    {
        var grown = zeros(capacity, old.shape[1]).DetachFromDisposeScope();
        using (var slot = grown.narrow(0, 0, Length))
        using (var kept = old.narrow(0, 0, Length))
            slot.copy_(kept);
        old.Dispose();
        return grown;
    }

    public void Dispose()
    {
        _latent.Dispose();
        _ropeKey.Dispose();
    }
}
