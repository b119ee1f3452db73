using Kimi.Cluster.Kernels.Tests.Reference;
using Kimi.Cluster.Kernels.Threading;

namespace Kimi.Cluster.Kernels.Tests;

public sealed class ThreadingTests
{
    [Theory]
    [InlineData("float32")]
    [InlineData("bf16")]
    [InlineData("int4-g32")]
    [InlineData("fp8-128x128")]
    public void MatMul_GivesIdenticalBits_OnOneAndTwoThreads(string format) =>
        AssertSameBitsOnOneAndTwoThreads(format, rows: 301, tokenCounts: [1, 3, 5]);

    // 1100 rows: one thread takes items of 64 rows, two threads items of 36, so the decoded tiles
    // (and the panels of 32 rows cut from them) start at different rows; each row's sums must not
    // depend on where its tile or panel started.
    [Theory]
    [InlineData("bf16")]
    [InlineData("int4-g32")]
    [InlineData("fp8-128x128")]
    public void MatMul_GivesIdenticalBits_OnOneAndTwoThreads_ForManyTokens(string format) =>
        AssertSameBitsOnOneAndTwoThreads(format, rows: 1100, tokenCounts: [17, 64]);

    private static void AssertSameBitsOnOneAndTwoThreads(string format, int rows, int[] tokenCounts)
    {
        const int columns = 1056;
        var random = new Random(rows);
        using var matrix = TestMatrix.Random(FormatCases.Shape(format, rows, columns), random);
        using var one = FormatCases.Kernels(CpuKernels.BestIsa, threads: 1);
        using var two = FormatCases.Kernels(CpuKernels.BestIsa, threads: 2);
        foreach (int tokens in tokenCounts)
        {
            var x = ReferenceMath.RandomInputs(tokens * columns, random);
            var y1 = new float[tokens * rows];
            var y2 = new float[tokens * rows];
            one.MatMul(matrix.Matrix, x, y1, tokens);
            two.MatMul(matrix.Matrix, x, y2, tokens);
            Assert.Equal(y1, y2);
        }
    }

    [Fact]
    public void Pool_RunsEveryItemOnce_OverManyBackToBackDispatches()
    {
        using var pool = new WorkerPool(2, spinMicroseconds: 20);
        var counter = new CountingItems(37);
        for (int round = 0; round < 2000; round++)
        {
            pool.Run(counter, 37);
        }
        Assert.All(counter.Counts, c => Assert.Equal(2000, c));
    }

    [Fact]
    public void Pool_ReturnsOnlyWhenEveryItemHasFinished()
    {
        // Each finished item is counted as soon as it is done (so a dispatcher never waits on a
        // preempted worker for items it already ran); a miscount would let Run return while items
        // still run, which the counts right after each Run would show. The worker's items are slow,
        // so the dispatcher is done with its own and waits on the worker's.
        using var pool = new WorkerPool(2, spinMicroseconds: 1000);
        var items = new SlowCountingItems(16, Environment.CurrentManagedThreadId);
        for (int round = 1; round <= 300; round++)
        {
            pool.Run(items, 16);
            Assert.All(items.Counts, c => Assert.Equal(round, c));
        }
    }

    [Fact]
    public void Pool_RethrowsAnItemsException_AndStaysUsable()
    {
        using var pool = new WorkerPool(2, spinMicroseconds: 20);
        var error = Assert.Throws<InvalidOperationException>(() => pool.Run(new ThrowingItems(), 8));
        Assert.Equal("item 5", error.Message);
        var counter = new CountingItems(8);
        pool.Run(counter, 8);
        Assert.All(counter.Counts, c => Assert.Equal(1, c));
    }

    [Fact]
    public void Pool_WakesSleepingWorkers()
    {
        using var pool = new WorkerPool(2, spinMicroseconds: 0);
        var counter = new CountingItems(64);
        for (int round = 0; round < 200; round++)
        {
            pool.Run(counter, 64);
        }
        Assert.All(counter.Counts, c => Assert.Equal(200, c));
    }

    [Fact]
    public void Pool_StealsFromTheBackOfARun_WhoseThreadIsHeldUp()
    {
        // Two threads split items 0..7 into runs [0, 4) and [4, 8). Whichever thread takes item 0
        // holds it until item 3 has run, which only a steal from the back of run [0, 4) can do.
        using var pool = new WorkerPool(2, spinMicroseconds: 1000);
        for (int round = 0; round < 50; round++)
        {
            var items = new HoldingItems(count: 8, heldItem: 0, releasingItem: 3);
            pool.Run(items, 8);
            Assert.All(items.Counts, c => Assert.Equal(1, c));
        }
    }

    [Fact]
    public void Pool_GivesTheDispatchingThreadTheFrontOfItsRun_InOrderAndWithoutGaps()
    {
        // Two threads: the dispatcher's run is [0, 32). It takes that run from the front, so what it
        // ran below 32 is 0..m−1 (the rest were stolen from the back by the worker), never a
        // scatter of items shared out one by one.
        using var pool = new WorkerPool(2, spinMicroseconds: 1000);
        for (int round = 0; round < 200; round++)
        {
            var items = new RecordingItems(Environment.CurrentManagedThreadId);
            pool.Run(items, 64);
            var own = items.RanByDispatcher.Where(i => i < 32).ToList();
            Assert.Equal(Enumerable.Range(0, own.Count), own);
        }
    }

    private sealed class RecordingItems(int dispatcherThread) : IWorkItems
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<int> _dispatcherItems = new();

        public IReadOnlyList<int> RanByDispatcher => [.. _dispatcherItems];

        public void Execute(int item)
        {
            Thread.SpinWait(200);
            if (Environment.CurrentManagedThreadId == dispatcherThread)
            {
                _dispatcherItems.Enqueue(item);
            }
        }
    }

    private sealed class HoldingItems(int count, int heldItem, int releasingItem) : IWorkItems
    {
        private readonly ManualResetEventSlim _released = new();

        public int[] Counts { get; } = new int[count];

        public void Execute(int item)
        {
            if (item == heldItem && !_released.Wait(TimeSpan.FromSeconds(30)))
            {
                throw new InvalidOperationException($"item {releasingItem} never ran while item {heldItem} was held");
            }
            if (item == releasingItem)
            {
                _released.Set();
            }
            Interlocked.Increment(ref Counts[item]);
        }
    }

    private sealed class CountingItems(int count) : IWorkItems
    {
        public int[] Counts { get; } = new int[count];

        public void Execute(int item) => Interlocked.Increment(ref Counts[item]);
    }

    private sealed class SlowCountingItems(int count, int dispatcherThread) : IWorkItems
    {
        public int[] Counts { get; } = new int[count];

        public void Execute(int item)
        {
            if (Environment.CurrentManagedThreadId != dispatcherThread)
            {
                Thread.SpinWait(20_000);
            }
            Interlocked.Increment(ref Counts[item]);
        }
    }

    private sealed class ThrowingItems : IWorkItems
    {
        public void Execute(int item)
        {
            if (item == 5)
            {
                throw new InvalidOperationException("item 5");
            }
        }
    }
}
