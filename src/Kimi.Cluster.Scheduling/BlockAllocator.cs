namespace Kimi.Cluster.Scheduling;

/// <summary>
/// Owns a fixed pool of KV-cache block ids and their reference counts. A block is free (on the
/// free list), used (refcount above 0), or idle (refcount 0 but kept by its owner, the prefix
/// cache, until it is freed); free + used + idle is always the capacity.
/// </summary>
public sealed class BlockAllocator
{
    private readonly int[] _refCounts;
    private readonly bool[] _isFree;
    private readonly Stack<int> _free;
    private int _used;

    public BlockAllocator(int capacity, int blockSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockSize);
        Capacity = capacity;
        BlockSize = blockSize;
        _refCounts = new int[capacity];
        _isFree = new bool[capacity];
        Array.Fill(_isFree, true);
        _free = new Stack<int>(capacity);
        // Pushed in reverse so that block 0 is handed out first: easier to read in logs and tests.
        for (var id = capacity - 1; id >= 0; id--)
            _free.Push(id);
    }

    public BlockAllocator(CacheSize size)
        : this(size.Blocks, size.BlockSize)
    {
    }

    /// <summary>How many blocks the pool holds.</summary>
    public int Capacity { get; }

    /// <summary>How many tokens one block holds.</summary>
    public int BlockSize { get; }

    /// <summary>Blocks on the free list.</summary>
    public int FreeCount => _free.Count;

    /// <summary>Blocks with at least one reference.</summary>
    public int UsedCount => _used;

    /// <summary>Blocks with no reference that are not free either: kept by the prefix cache.</summary>
    internal int IdleCount => Capacity - FreeCount - UsedCount;

    /// <summary>How many blocks <paramref name="tokens"/> tokens take.</summary>
    public int BlocksFor(int tokens)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tokens);
        return (int)(((long)tokens + BlockSize - 1) / BlockSize);
    }

    /// <summary>Takes a free block with one reference, or returns false when none is free.</summary>
    public bool TryAllocate(out int blockId)
    {
        if (!_free.TryPop(out blockId))
        {
            blockId = -1;
            return false;
        }
        _isFree[blockId] = false;
        _refCounts[blockId] = 1;
        _used++;
        return true;
    }

    /// <summary>Adds a reference to a block that is used or idle; returns the new count.</summary>
    public int AddRef(int blockId)
    {
        ThrowIfFree(blockId);
        if (_refCounts[blockId]++ == 0)
            _used++;
        return _refCounts[blockId];
    }

    /// <summary>Drops one reference; returns the count left. At 0 the block is idle until freed.</summary>
    public int Release(int blockId)
    {
        ThrowIfFree(blockId);
        if (_refCounts[blockId] == 0)
            throw new InvalidOperationException($"Block {blockId} has no reference to release.");
        if (--_refCounts[blockId] == 0)
            _used--;
        return _refCounts[blockId];
    }

    /// <summary>Puts an idle block (no reference left) back on the free list.</summary>
    public void Free(int blockId)
    {
        ThrowIfFree(blockId);
        if (_refCounts[blockId] != 0)
            throw new InvalidOperationException($"Block {blockId} still has {_refCounts[blockId]} references.");
        _isFree[blockId] = true;
        _free.Push(blockId);
    }

    /// <summary>The block's reference count (0 when free or idle).</summary>
    internal int RefCount(int blockId)
    {
        ThrowIfOutOfRange(blockId);
        return _refCounts[blockId];
    }

    /// <summary>Whether the block is on the free list.</summary>
    internal bool IsFree(int blockId)
    {
        ThrowIfOutOfRange(blockId);
        return _isFree[blockId];
    }

    /// <summary>Recounts everything from scratch and throws if the books disagree.</summary>
    internal void CheckInvariants()
    {
        var free = _isFree.Count(f => f);
        var used = _refCounts.Count(r => r > 0);
        if (free != _free.Count || _free.Distinct().Count() != _free.Count)
            throw new InvalidOperationException($"Free list holds {_free.Count} ids but {free} blocks are marked free.");
        if (used != _used || free + used > Capacity)
            throw new InvalidOperationException($"{used} used + {free} free blocks disagree with {_used} counted, capacity {Capacity}.");
        if (_free.Any(id => _refCounts[id] != 0))
            throw new InvalidOperationException("A free block has references.");
    }

    private void ThrowIfFree(int blockId)
    {
        ThrowIfOutOfRange(blockId);
        if (_isFree[blockId])
            throw new InvalidOperationException($"Block {blockId} is free.");
    }

    private void ThrowIfOutOfRange(int blockId)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(blockId);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(blockId, Capacity);
    }
}
