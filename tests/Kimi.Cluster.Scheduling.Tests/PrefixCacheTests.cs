namespace Kimi.Cluster.Scheduling.Tests;

public sealed class PrefixCacheTests
{
    private const int BlockSize = 4;

    [Fact]
    public void ChainHash_DependsOnTheWholePrefix()
    {
        var block = new[] { 1, 2, 3, 4 };
        var a = PrefixCache.ChainHash(PrefixCache.RootHash, block);
        Assert.Equal(a, PrefixCache.ChainHash(PrefixCache.RootHash, block));
        Assert.NotEqual(a, PrefixCache.ChainHash(a, block));
        Assert.NotEqual(a, PrefixCache.ChainHash(PrefixCache.RootHash, [1, 2, 3, 5]));
    }

    [Fact]
    public void AcquireLongestPrefix_FindsTheLongestCachedPrefixAndSharesItsBlocks()
    {
        var cache = new PrefixCache(new BlockAllocator(8, BlockSize));
        int[] prompt = [.. Enumerable.Range(0, 10)];
        var blocks = CacheBlocks(cache, prompt, 2);

        var hit = cache.AcquireLongestPrefix(prompt, 10);
        Assert.Equal(blocks, hit.Blocks);
        Assert.All(blocks, b => Assert.Equal(2, cache.Allocator.RefCount(b)));
        // A prompt that differs in the second block shares only the first.
        int[] other = [0, 1, 2, 3, 9, 9, 9, 9];
        Assert.Equal(1, cache.CountCachedBlocks(other));
        Assert.Equal(1, cache.CountCachedBlocks(prompt, maxBlocks: 1));
        cache.CheckInvariants();
    }

    [Fact]
    public void PrefixCache_MissesBecauseTokensAreCompared_WhenAHashCollides()
    {
        var cache = new PrefixCache(new BlockAllocator(4, BlockSize));
        Assert.True(cache.TryAllocate(out var id));
        int[] real = [1, 2, 3, 4];
        int[] forged = [5, 6, 7, 8];
        // Register block [5,6,7,8] under the hash of [1,2,3,4]: a simulated 64-bit collision.
        Assert.True(cache.Register(id, PrefixCache.RootHash, PrefixCache.ChainHash(PrefixCache.RootHash, real), forged));
        Assert.Equal(0, cache.CountCachedBlocks(real));
        Assert.Empty(cache.AcquireLongestPrefix(real, 1).Blocks);
    }

    [Fact]
    public void PrefixCache_EvictsIdleCachedBlocksLeastRecentlyUsedFirst()
    {
        var cache = new PrefixCache(new BlockAllocator(4, BlockSize));
        var ids = Enumerable.Range(0, 4).Select(i => CacheBlocks(cache, [i, i, i, i], 1)[0]).ToArray();
        foreach (var i in new[] { 2, 0, 3, 1 })
            cache.Release(ids[i]);
        Assert.Equal(4, cache.EvictableCount);
        Assert.Equal(4, cache.AvailableCount);

        // Using block 2 again makes it the most recently used once released.
        Assert.Equal([ids[2]], cache.AcquireLongestPrefix([2, 2, 2, 2], 1).Blocks);
        cache.Release(ids[2]);

        var evicted = new List<int>();
        while (cache.TryAllocate(out var id))
            evicted.Add(id);
        Assert.Equal([ids[0], ids[3], ids[1], ids[2]], evicted);
        Assert.Equal(0, cache.CachedCount);
        Assert.Equal(0, cache.CountCachedBlocks([0, 0, 0, 0]));
        cache.CheckInvariants();
    }

    [Fact]
    public void Release_FreesAnUncachedBlockOnItsLastRelease()
    {
        var cache = new PrefixCache(new BlockAllocator(2, BlockSize));
        Assert.True(cache.TryAllocate(out var id));
        cache.Release(id);
        Assert.True(cache.Allocator.IsFree(id));
        Assert.Equal(0, cache.EvictableCount);
        cache.CheckInvariants();
    }

    [Fact]
    public void Register_DoesNotRegisterASecondCopyOfACachedBlock()
    {
        var cache = new PrefixCache(new BlockAllocator(4, BlockSize));
        int[] tokens = [7, 7, 7, 7];
        var first = CacheBlocks(cache, tokens, 1)[0];
        Assert.True(cache.TryAllocate(out var second));
        var hash = PrefixCache.ChainHash(PrefixCache.RootHash, tokens);
        Assert.False(cache.Register(second, PrefixCache.RootHash, hash, tokens));
        Assert.Equal(first, cache.AcquireLongestPrefix(tokens, 1).Blocks[0]);
    }

    /// <summary>Allocates and registers the first <paramref name="count"/> full blocks of the tokens, still referenced.</summary>
    internal static int[] CacheBlocks(PrefixCache cache, int[] tokens, int count)
    {
        var blocks = new int[count];
        var parent = PrefixCache.RootHash;
        for (var i = 0; i < count; i++)
        {
            Assert.True(cache.TryAllocate(out blocks[i]));
            var span = tokens.AsSpan(i * BlockSize, BlockSize);
            var hash = PrefixCache.ChainHash(parent, span);
            Assert.True(cache.Register(blocks[i], parent, hash, span));
            parent = hash;
        }
        return blocks;
    }
}
