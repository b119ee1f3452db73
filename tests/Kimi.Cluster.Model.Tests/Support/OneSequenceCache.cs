using Kimi.Cluster.Model.Caching;
using Kimi.Cluster.Model.Configuration;
using Kimi.Cluster.Model.Engine;
using Kimi.Cluster.Model.Layers;
using Kimi.Cluster.Scheduling;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Tests.Support;

/// <summary>
/// One sequence's cache for tests that drive the model step by step: the server's paged pool with a
/// block table of its own (blocks in reverse order, so its rows are never contiguous), growing by
/// what each forward pass appends. Give a segment <see cref="Length"/> as its start position.
/// </summary>
public sealed class OneSequenceCache : ISequenceCache, IDisposable
{
    private const int BlockSize = 4;
    private readonly PagedKvCache _pool;
    private readonly int[] _blocks;
    private readonly LayerCache[] _layers;

    public OneSequenceCache(ModelConfig config, int capacity = 512)
    {
        int blocks = (capacity + BlockSize - 1) / BlockSize;
        _pool = new PagedKvCache(config, new CacheSize(blocks, BlockSize));
        _blocks = [.. Enumerable.Range(0, blocks).Reverse()];
        _layers = [.. Enumerable.Range(0, config.NumHiddenLayers).Select(layer => new LayerCache(this, layer))];
    }

    /// <summary>Positions cached so far.</summary>
    public long Length => _layers[0].Length;

    public ILayerCache Layer(int layer) => _layers[layer];

    public void Dispose()
    {
        foreach (var layer in _layers)
            layer.Dispose();
        _pool.Dispose();
    }

    /// <summary>A layer's rows: each append opens a view of the positions it adds, which the reads then see.</summary>
    private sealed class LayerCache(OneSequenceCache owner, int layer) : ILayerCache, IDisposable
    {
        private PagedSequenceView? _view;
        private ILayerCache? _current;

        public long Length { get; private set; }

        public void Append(ReadOnlySpan<float> rows)
        {
            int width = checked((int)(owner._pool.LatentWidth + owner._pool.RopeWidth));
            int count = rows.Length / width;
            _view?.Dispose();
            _view = owner._pool.View(owner._blocks, (int)Length, count);
            _current = _view.Layer(layer);
            _current.Append(rows);
            Length += count;
        }

        public Tensor All => Current.All;

        public CachedRows Rows => Current.Rows;

        private ILayerCache Current => _current ?? throw new InvalidOperationException("Nothing was appended to this layer yet.");

        public void Dispose() => _view?.Dispose();
    }
}
