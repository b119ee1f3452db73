using Kimi.Cluster.Model.Layers;
using Kimi.Cluster.Model.TensorSupport;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Caching;

/// <summary>
/// One sequence's window onto a <see cref="PagedKvCache"/> for one step: appends scatter the
/// step's rows into its blocks, reads gather its first start + count rows through the block table.
/// </summary>
public sealed class PagedSequenceView : ISequenceCache, IDisposable
{
    private readonly PagedKvCache _cache;
    private readonly int[] _slotRows; // the pool row of each position 0..start + count − 1
    private Tensor? _slots;            // the same as the index of libtorch's gather, made only when a step gathers
    private readonly int _start, _count;

    internal PagedSequenceView(PagedKvCache cache, IReadOnlyList<int> blockTable, int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        int blockSize = cache.Size.BlockSize, end = start + count;
        if ((long)blockTable.Count * blockSize < end)
            throw new ArgumentException($"{blockTable.Count} blocks cannot hold {end} positions.", nameof(blockTable));
        _slotRows = new int[end];
        for (int p = 0; p < end; p++)
            _slotRows[p] = checked(blockTable[p / blockSize] * blockSize + p % blockSize);
        (_cache, _start, _count) = (cache, start, count);
    }

    public ILayerCache Layer(int layer) => new LayerView(this, layer);

    public void Dispose() => _slots?.Dispose();

    // Decode queries read the pool in place (Rows); only a segment of several queries gathers.
    private Tensor GatherIndex() => _slots ??= tensor(_slotRows.Select(r => (long)r).ToArray()).DetachFromDisposeScope();

    /// <summary>One layer's view; the attention appends once, then reads.</summary>
    private sealed class LayerView(PagedSequenceView owner, int layer) : ILayerCache
    {
        private Tensor? _gathered; // [start + count, width], made in the caller's dispose scope

        public void Append(ReadOnlySpan<float> rows)
        {
            int width = checked((int)(owner._cache.LatentWidth + owner._cache.RopeWidth));
            if (rows.Length != owner._count * width)
                throw new ArgumentException($"Expected {owner._count} rows of {width} floats, got {rows.Length} floats.", nameof(rows));
            // Row by row into the step's slots of the pool: a copy per row, no libtorch call.
            var pool = TensorMemory.Floats(owner._cache.Rows(layer));
            for (int i = 0; i < owner._count; i++)
                rows.Slice(i * width, width).CopyTo(pool.Slice(owner._slotRows[owner._start + i] * width, width));
            _gathered = null;
        }

        public Tensor All => _gathered ??= owner._cache.Rows(layer).index_select(0, owner.GatherIndex());

        public CachedRows Rows => new(owner._cache.Rows(layer), owner._slotRows);
    }
}
