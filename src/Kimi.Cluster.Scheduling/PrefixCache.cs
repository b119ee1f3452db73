using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Kimi.Cluster.Scheduling;

/// <summary>
/// Owns the map from prefix to computed full block and the blocks' life once unreferenced:
/// a full block is keyed by a hash chain over every token up to and including it, so equal
/// prompts share blocks; a cached block nobody references stays (idle) until the allocator runs
/// dry, then the least recently used one is evicted and reused. All block allocation and release
/// goes through here so that an idle cached block is never freed behind the cache's back.
/// </summary>
internal sealed class PrefixCache
{
    /// <summary>The parent hash of a prompt's first block.</summary>
    public const ulong RootHash = 0;

    private readonly BlockAllocator _allocator;
    private readonly Dictionary<ulong, CachedBlock> _byHash = [];
    private readonly Dictionary<int, CachedBlock> _byBlock = [];
    // Idle cached blocks, least recently used first.
    private readonly LinkedList<int> _lru = new();
    private readonly Dictionary<int, LinkedListNode<int>> _lruNodes = [];

    public PrefixCache(BlockAllocator allocator)
    {
        ArgumentNullException.ThrowIfNull(allocator);
        _allocator = allocator;
    }

    /// <summary>The pool this cache allocates from.</summary>
    public BlockAllocator Allocator => _allocator;

    /// <summary>How many tokens one block holds.</summary>
    public int BlockSize => _allocator.BlockSize;

    /// <summary>Blocks registered in the cache, referenced or idle.</summary>
    public int CachedCount => _byBlock.Count;

    /// <summary>Idle cached blocks that an allocation may evict.</summary>
    public int EvictableCount => _lru.Count;

    /// <summary>Blocks an allocation can get now: free ones plus evictable ones.</summary>
    public int AvailableCount => _allocator.FreeCount + _lru.Count;

    /// <summary>The chain hash of a block: stable across processes (XxHash64 seeded by the parent).</summary>
    public static ulong ChainHash(ulong parentHash, ReadOnlySpan<int> blockTokens) =>
        XxHash64.HashToUInt64(MemoryMarshal.AsBytes(blockTokens), unchecked((long)parentHash));

    /// <summary>Whether the block is registered in the cache.</summary>
    public bool IsCached(int blockId) => _byBlock.ContainsKey(blockId);

    /// <summary>How many leading full blocks of <paramref name="tokens"/> are cached (no reference taken).</summary>
    public int CountCachedBlocks(ReadOnlySpan<int> tokens, int maxBlocks = int.MaxValue) =>
        Walk(tokens, maxBlocks).Count;

    /// <summary>
    /// Finds the longest cached prefix of at most <paramref name="maxBlocks"/> full blocks and
    /// takes a reference on each of its blocks (idle ones leave the eviction list).
    /// </summary>
    public PrefixHit AcquireLongestPrefix(ReadOnlySpan<int> tokens, int maxBlocks)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBlocks);
        var hits = Walk(tokens, maxBlocks);
        if (hits.Count == 0)
            return PrefixHit.None;
        foreach (var hit in hits)
            Acquire(hit.BlockId);
        return new PrefixHit([.. hits.Select(h => h.BlockId)], [.. hits.Select(h => h.Hash)]);
    }

    /// <summary>Takes a block with one reference: a free one, else the least recently used idle one.</summary>
    public bool TryAllocate(out int blockId)
    {
        if (_allocator.TryAllocate(out blockId))
            return true;
        if (_lru.First is not { } oldest)
            return false;
        Evict(oldest.Value);
        return _allocator.TryAllocate(out blockId);
    }

    /// <summary>Drops one reference; an unreferenced block stays cached (idle) if registered, else is freed.</summary>
    public void Release(int blockId)
    {
        if (_allocator.Release(blockId) > 0)
            return;
        if (_byBlock.ContainsKey(blockId))
            _lruNodes[blockId] = _lru.AddLast(blockId);
        else
            _allocator.Free(blockId);
    }

    /// <summary>
    /// Registers a computed full block under its chain hash. Returns false (and leaves the block
    /// uncached) when the hash is already taken, by an equal block computed twice or a collision.
    /// </summary>
    public bool Register(int blockId, ulong parentHash, ulong hash, ReadOnlySpan<int> blockTokens)
    {
        if (blockTokens.Length != BlockSize)
            throw new ArgumentException($"A cached block holds exactly {BlockSize} tokens.", nameof(blockTokens));
        if (_allocator.RefCount(blockId) == 0)
            throw new InvalidOperationException($"Block {blockId} must be referenced to be registered.");
        if (_byBlock.ContainsKey(blockId) || _byHash.ContainsKey(hash))
            return false;
        var entry = new CachedBlock(hash, parentHash, blockTokens.ToArray(), blockId);
        _byHash.Add(hash, entry);
        _byBlock.Add(blockId, entry);
        return true;
    }

    /// <summary>Throws if the cache and the allocator disagree.</summary>
    public void CheckInvariants()
    {
        _allocator.CheckInvariants();
        if (_byHash.Count != _byBlock.Count || _byBlock.Values.Any(e => _byHash[e.Hash] != e))
            throw new InvalidOperationException("The hash and block indexes of the prefix cache disagree.");
        if (_byBlock.Keys.Any(_allocator.IsFree))
            throw new InvalidOperationException("A cached block is on the free list.");
        if (_lru.Count != _lruNodes.Count || _lru.Any(id => _allocator.RefCount(id) != 0 || !IsCached(id)))
            throw new InvalidOperationException("The eviction list holds a referenced or uncached block.");
        // Every idle block must be evictable, or it would leak out of the pool for good.
        if (_allocator.IdleCount != _lru.Count)
            throw new InvalidOperationException($"{_allocator.IdleCount} idle blocks but {_lru.Count} evictable.");
    }

    private List<CachedBlock> Walk(ReadOnlySpan<int> tokens, int maxBlocks)
    {
        var hits = new List<CachedBlock>();
        var parent = RootHash;
        var limit = Math.Min(maxBlocks, tokens.Length / BlockSize);
        for (var i = 0; i < limit; i++)
        {
            var block = tokens.Slice(i * BlockSize, BlockSize);
            var hash = ChainHash(parent, block);
            if (!_byHash.TryGetValue(hash, out var entry) || entry.ParentHash != parent || !block.SequenceEqual(entry.Tokens))
                break;
            hits.Add(entry);
            parent = hash;
        }
        return hits;
    }

    private void Acquire(int blockId)
    {
        if (_lruNodes.Remove(blockId, out var node))
            _lru.Remove(node);
        _allocator.AddRef(blockId);
    }

    private void Evict(int blockId)
    {
        var entry = _byBlock[blockId];
        _byBlock.Remove(blockId);
        _byHash.Remove(entry.Hash);
        _lru.Remove(_lruNodes[blockId]);
        _lruNodes.Remove(blockId);
        _allocator.Free(blockId);
    }
}
