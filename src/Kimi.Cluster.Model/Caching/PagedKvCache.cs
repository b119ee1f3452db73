using Kimi.Cluster.Model.Configuration;
using Kimi.Cluster.Model.Layers;
using Kimi.Cluster.Scheduling;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Caching;

/// <summary>
/// The shared latent KV pool of continuous batching: per layer one float32 tensor
/// [blocks, block size, kv_lora_rank + qk_rope_head_dim]. The scheduler hands out block ids;
/// a sequence's rows live in the blocks of its block table, so prefix-cached blocks are shared.
/// </summary>
public sealed class PagedKvCache : IDisposable
{
    private readonly Tensor[] _layers;
    // [blocks * block size, width] views of _layers: row = block * block size + offset.
    private readonly Tensor[] _rows;

    public PagedKvCache(ModelConfig config, CacheSize size)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(size);
        Size = size;
        LatentWidth = config.KvLoraRank;
        RopeWidth = config.QkRopeHeadDim;
        // The pool outlives every forward pass: keep it out of any dispose scope.
        _layers = Enumerable.Range(0, config.NumHiddenLayers)
            .Select(_ => zeros(size.Blocks, size.BlockSize, LatentWidth + RopeWidth).DetachFromDisposeScope()).ToArray();
        _rows = _layers.Select(t => t.view(size.Tokens, LatentWidth + RopeWidth).DetachFromDisposeScope()).ToArray();
    }

    public CacheSize Size { get; }

    public long LatentWidth { get; }

    public long RopeWidth { get; }

    /// <summary>The flattened rows of one layer: [blocks * block size, kv_lora_rank + qk_rope_head_dim].</summary>
    internal Tensor Rows(int layer) => _rows[layer];

    /// <summary>
    /// A sequence's view for one step that computes positions [<paramref name="start"/>,
    /// <paramref name="start"/> + <paramref name="count"/>) through <paramref name="blockTable"/>.
    /// Dispose it after the forward pass.
    /// </summary>
    public PagedSequenceView View(IReadOnlyList<int> blockTable, int start, int count) => new(this, blockTable, start, count);

    public void Dispose()
    {
        foreach (var t in _rows.Concat(_layers))
            t.Dispose();
    }
}
