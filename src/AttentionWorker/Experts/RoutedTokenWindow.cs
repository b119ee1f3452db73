using System.Collections.Concurrent;
using System.Collections.Immutable;

namespace Kimi.Cluster.AttentionWorker.Experts;

/// <summary>
/// Tokens the gates routed per (MoE layer, expert) over a sliding window: a ring of time slices,
/// the oldest cleared as time moves on. Counting is a few atomic adds per routed pair; what the
/// rebalancer is sent is the sum over the slices still in the window.
/// </summary>
public sealed class RoutedTokenWindow
{
    public const int Slices = 12;

    private readonly long _sliceTicks;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<int, LayerSlices> _layers = new();

    public RoutedTokenWindow(TimeSpan window, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, TimeSpan.FromSeconds(1));
        Window = window;
        _sliceTicks = window.Ticks / Slices;
        _time = time ?? TimeProvider.System;
    }

    public TimeSpan Window { get; }

    /// <summary>Counts one step's routed pairs of <paramref name="layer"/>; ids outside 0..expertCount-1 are ignored.</summary>
    public void Add(int layer, ReadOnlySpan<int> expertIds, int expertCount)
    {
        if (expertIds.IsEmpty)
            return;
        var slices = _layers.GetOrAdd(layer, _ => new LayerSlices(expertCount));
        if (slices.ExpertCount != expertCount)
            return; // another model's counts: never for one worker
        var counts = slices.For(Slice());
        foreach (int expert in expertIds)
        {
            if ((uint)expert < (uint)counts.Length)
                Interlocked.Increment(ref counts[expert]);
        }
    }

    /// <summary>The MoE layers seen so far, ascending, and their counts over the window, [layers × experts] layer-major.</summary>
    public (ImmutableArray<int> Layers, ImmutableArray<long> RoutedPairs, int ExpertCount) Snapshot()
    {
        long now = Slice();
        var layers = _layers.OrderBy(p => p.Key).ToArray();
        int experts = layers.Length == 0 ? 0 : layers[0].Value.ExpertCount;
        var pairs = new long[layers.Length * experts];
        for (int i = 0; i < layers.Length; i++)
            layers[i].Value.SumInto(now, pairs.AsSpan(i * experts, experts));
        return ([.. layers.Select(p => p.Key)], [.. pairs], experts);
    }

    private long Slice() => _time.GetUtcNow().UtcTicks / _sliceTicks;

    /// <summary>One layer's ring of slices; each slice knows which time slice it counts.</summary>
    private sealed class LayerSlices(int expertCount)
    {
        private readonly long[][] _counts = [.. Enumerable.Range(0, Slices).Select(_ => new long[expertCount])];
        private readonly long[] _sliceOf = [.. Enumerable.Repeat(-1L, Slices)];
        private readonly Lock _gate = new();

        public int ExpertCount => expertCount;

        /// <summary>The counts of time slice <paramref name="slice"/>, cleared when its place in the ring last counted an older one.</summary>
        public long[] For(long slice)
        {
            int index = (int)(slice % Slices);
            if (Volatile.Read(ref _sliceOf[index]) != slice)
            {
                lock (_gate)
                {
                    if (_sliceOf[index] != slice)
                    {
                        Array.Clear(_counts[index]);
                        Volatile.Write(ref _sliceOf[index], slice);
                    }
                }
            }
            return _counts[index];
        }

        public void SumInto(long now, Span<long> total)
        {
            for (int index = 0; index < Slices; index++)
            {
                long slice = Volatile.Read(ref _sliceOf[index]);
                if (slice < 0 || slice <= now - Slices || slice > now)
                    continue;
                var counts = _counts[index];
                for (int expert = 0; expert < total.Length; expert++)
                    total[expert] += Interlocked.Read(ref counts[expert]);
            }
        }
    }
}
