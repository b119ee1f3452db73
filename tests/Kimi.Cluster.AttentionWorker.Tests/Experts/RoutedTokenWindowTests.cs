using Kimi.Cluster.AttentionWorker.Experts;
using Kimi.Cluster.AttentionWorker.Tests.Support;

namespace Kimi.Cluster.AttentionWorker.Tests.Experts;

/// <summary>
/// The sliding window of routed tokens per (MoE layer, expert) the rebalancer is sent: how it
/// counts and lays out the counts, how counts leave the window slice by slice as the (manual)
/// clock moves on, and that concurrent counting loses nothing.
/// </summary>
public sealed class RoutedTokenWindowTests
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(12);
    private static readonly TimeSpan Slice = Window / RoutedTokenWindow.Slices;
    private readonly ManualTime _time = new();

    [Fact]
    public void Snapshot_CountsPerLayerAndExpertLayerMajorWithLayersAscending_WhenLayersAreSeenOutOfOrder()
    {
        var window = new RoutedTokenWindow(Window, _time);

        window.Add(2, [0, 1, 1, 3], 4);
        window.Add(1, [3, 3], 4);
        window.Add(2, [1], 4);

        var (layers, pairs, experts) = window.Snapshot();
        Assert.Equal<int>([1, 2], layers);
        Assert.Equal(4, experts);
        Assert.Equal<long>([0, 0, 0, 2, /* layer 2 */ 1, 3, 0, 1], pairs);
    }

    [Fact]
    public void Snapshot_DropsEachSlicesCountsExactlyWhenItLeavesTheWindow_WhenTheClockAdvances()
    {
        const int Slices = RoutedTokenWindow.Slices;
        var window = new RoutedTokenWindow(Window, _time);
        // Slice s of the window counts s + 1 tokens for expert 0.
        for (int slice = 0; slice < Slices; slice++)
        {
            if (slice > 0)
                _time.Advance(Slice);
            window.Add(1, [.. Enumerable.Repeat(0, slice + 1)], 2);
        }
        long total = Slices * (Slices + 1) / 2;
        Assert.Equal(total, Sum(window));

        for (int gone = 0; gone < Slices; gone++)
        {
            _time.Advance(Slice);
            total -= gone + 1;
            Assert.Equal(total, Sum(window));
        }
        Assert.Equal(0, Sum(window));
        Assert.Equal<int>([1], window.Snapshot().Layers); // the layer is still known, with nothing in the window
    }

    [Fact]
    public void Add_CountsAfreshInAReusedSlice_WhenTheRingHasComeRound()
    {
        var window = new RoutedTokenWindow(Window, _time);
        window.Add(1, [1, 1, 1], 2);

        _time.Advance(Window); // the same place in the ring, one window later
        window.Add(1, [1], 2);

        Assert.Equal<long>([0, 1], window.Snapshot().RoutedPairs);
    }

    [Fact]
    public void Add_IgnoresExpertIdsOutOfRange_WhenCounting()
    {
        var window = new RoutedTokenWindow(Window, _time);

        window.Add(1, [-1, 4, 2, int.MaxValue, int.MinValue, 0], 4);
        window.Add(3, [], 4); // nothing routed: the layer is not counted
        window.Add(1, [1], 5); // another expert count for a known layer: ignored

        var (layers, pairs, experts) = window.Snapshot();
        Assert.Equal<int>([1], layers);
        Assert.Equal(4, experts);
        Assert.Equal<long>([1, 0, 1, 0], pairs);
    }

    [Fact]
    public async Task Add_SumsExactly_WhenSeveralThreadsCountAtOnce()
    {
        const int Threads = 8, Steps = 100_000, Experts = 4;
        var window = new RoutedTokenWindow(Window, _time);
        using var start = new Barrier(Threads);

        // Threads of their own (not the pool's), so all of them reach the barrier at once.
        await Task.WhenAll(Enumerable.Range(0, Threads).Select(thread => Task.Factory.StartNew(() =>
        {
            int layer = 1 + thread % 2;
            start.SignalAndWait();
            for (int step = 0; step < Steps; step++)
                window.Add(layer, [0, 1, 2, 3, thread % Experts], Experts);
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)));

        var (layers, pairs, _) = window.Snapshot();
        Assert.Equal<int>([1, 2], layers);
        long[] expected = new long[2 * Experts];
        for (int thread = 0; thread < Threads; thread++)
        {
            int row = thread % 2 * Experts;
            for (int expert = 0; expert < Experts; expert++)
                expected[row + expert] += Steps;
            expected[row + thread % Experts] += Steps;
        }
        Assert.Equal<long>(expected, pairs);
    }

    private static long Sum(RoutedTokenWindow window) => window.Snapshot().RoutedPairs.Sum();
}
