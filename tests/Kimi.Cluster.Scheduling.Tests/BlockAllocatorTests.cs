namespace Kimi.Cluster.Scheduling.Tests;

public sealed class BlockAllocatorTests
{
    [Fact]
    public void TryAllocate_AllocatesEveryBlockOnceThenRefuses()
    {
        var allocator = new BlockAllocator(4, 16);
        var ids = new List<int>();
        while (allocator.TryAllocate(out var id))
            ids.Add(id);
        Assert.Equal([0, 1, 2, 3], ids);
        Assert.Equal(0, allocator.FreeCount);
        Assert.Equal(4, allocator.UsedCount);
        Assert.False(allocator.TryAllocate(out var none));
        Assert.Equal(-1, none);
        allocator.CheckInvariants();
    }

    [Fact]
    public void ReferenceCounts_KeepASharedBlockUntilTheLastRelease()
    {
        var allocator = new BlockAllocator(2, 16);
        Assert.True(allocator.TryAllocate(out var id));
        Assert.Equal(2, allocator.AddRef(id));
        Assert.Equal(1, allocator.Release(id));
        Assert.Equal(1, allocator.UsedCount);
        Assert.Equal(0, allocator.Release(id));
        Assert.Equal(0, allocator.UsedCount);
        // Unreferenced but not yet freed: idle, which is the prefix cache's to keep or free.
        Assert.Equal(1, allocator.IdleCount);
        allocator.Free(id);
        Assert.Equal(2, allocator.FreeCount);
        allocator.CheckInvariants();
    }

    [Fact]
    public void BlockAllocator_ThrowsInsteadOfCorruptingTheBooks_WhenMisused()
    {
        var allocator = new BlockAllocator(2, 16);
        Assert.True(allocator.TryAllocate(out var id));
        Assert.Throws<InvalidOperationException>(() => allocator.Free(id));
        allocator.Release(id);
        Assert.Throws<InvalidOperationException>(() => allocator.Release(id));
        allocator.Free(id);
        Assert.Throws<InvalidOperationException>(() => allocator.Free(id));
        Assert.Throws<InvalidOperationException>(() => allocator.AddRef(id));
        Assert.Throws<ArgumentOutOfRangeException>(() => allocator.RefCount(2));
        allocator.CheckInvariants();
    }

    [Fact]
    public void BlocksFor_RoundsUp()
    {
        var allocator = new BlockAllocator(8, 16);
        Assert.Equal(0, allocator.BlocksFor(0));
        Assert.Equal(1, allocator.BlocksFor(1));
        Assert.Equal(1, allocator.BlocksFor(16));
        Assert.Equal(2, allocator.BlocksFor(17));
    }
}
