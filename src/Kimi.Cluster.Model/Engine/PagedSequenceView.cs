using Kimi.Cluster.Model.Layers;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Engine;

/// <summary>
/// One sequence's window onto a <see cref="PagedKvCache"/> for one step: appends scatter the
/// step's rows into its blocks, reads gather its first start + count rows through the block table.
/// </summary>
public sealed class PagedSequenceView : ISequenceCache, IDisposable
{
    private readonly PagedKvCache _cache;
    private readonly Tensor _slots; // [start + count]: the pool row of each position
    private readonly int _start, _count;

    internal PagedSequenceView(PagedKvCache cache, IReadOnlyList<int> blockTable, int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        int blockSize = cache.Size.BlockSize, end = start + count;
        if ((long)blockTable.Count * blockSize < end)
            throw new ArgumentException($"{blockTable.Count} blocks cannot hold {end} positions.", nameof(blockTable));
        var slots = new long[end];
        for (int p = 0; p < end; p++)
            slots[p] = (long)blockTable[p / blockSize] * blockSize + p % blockSize;
        _slots = tensor(slots).DetachFromDisposeScope();
        (_cache, _start, _count) = (cache, start, count);
    }

    public ILayerCache Layer(int layer) => new LayerView(this, layer);

    public void Dispose() => _slots.Dispose();

    /// <summary>One layer's view; the attention appends once, then reads.</summary>
    private sealed class LayerView(PagedSequenceView owner, int layer) : ILayerCache
    {
        private Tensor? _gathered; // [start + count, width], made in the caller's dispose scope

        public void Append(Tensor latent, Tensor ropeKey)
        {
            if (latent.shape[0] != owner._count)
                throw new ArgumentException($"Expected {owner._count} rows, got {latent.shape[0]}.", nameof(latent));
            using var rows = cat([latent, ropeKey], 1);
            using var targets = owner._slots.narrow(0, owner._start, owner._count);
            owner._cache.Rows(layer).index_copy_(0, targets, rows);
            _gathered = null;
        }

        public Tensor Latent => Gathered().narrow(1, 0, owner._cache.LatentWidth);

        public Tensor RopeKey => Gathered().narrow(1, owner._cache.LatentWidth, owner._cache.RopeWidth);

        // Gathered once per layer and step: both halves come from the same rows.
        private Tensor Gathered() => _gathered ??= owner._cache.Rows(layer).index_select(0, owner._slots);
    }
}
