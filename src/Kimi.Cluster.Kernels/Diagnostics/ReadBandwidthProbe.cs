using System.Diagnostics;
using System.Runtime.InteropServices;
using Kimi.Cluster.Kernels.Threading;

namespace Kimi.Cluster.Kernels.Diagnostics;

/// <summary>
/// This machine's read bandwidth as the kernels can use it: summing a buffer far larger than any
/// cache on the kernels' own threads (each a contiguous run, as a matvec splits its rows), the
/// fastest of a few passes. A decode step's memory floor is the weight bytes it reads over this;
/// the machine's speed moves from minute to minute, so a floor is only fair against steps measured
/// beside the probe.
/// </summary>
public sealed unsafe class ReadBandwidthProbe : IDisposable
{
    private readonly WorkerPool _pool;
    private readonly ReadSum _items = new();

    /// <param name="kernels">Whose threads read; the probe's calls reach its observer with no weight bytes.</param>
    /// <param name="bytes">The buffer read per pass (256 MiB by default: eight times a large L3).</param>
    public ReadBandwidthProbe(CpuKernels kernels, long bytes = 256L << 20)
    {
        ArgumentNullException.ThrowIfNull(kernels);
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, 1L << 20);
        _pool = kernels.Pool;
        _items.Split(bytes, _pool.ThreadCount * 16);
        _items.Start = (byte*)NativeMemory.AlignedAlloc((nuint)_items.Bytes, 64);
        // Touched once, so no pass pays the page faults.
        for (long at = 0; at < _items.Bytes; at += int.MaxValue)
            new Span<byte>(_items.Start + at, (int)Math.Min(int.MaxValue, _items.Bytes - at)).Fill(1);
    }

    /// <summary>Bytes one pass reads.</summary>
    public long Bytes => _items.Bytes;

    /// <summary>GB/s (10⁹ bytes a second) of the fastest of <paramref name="passes"/> passes.</summary>
    public double Measure(int passes = 3)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(passes);
        long best = long.MaxValue;
        for (int pass = 0; pass < passes; pass++)
        {
            long start = Stopwatch.GetTimestamp();
            _pool.Run(_items, _items.Count);
            best = Math.Min(best, Stopwatch.GetTimestamp() - start);
        }
        return Bytes / ((double)best / Stopwatch.Frequency) / 1e9;
    }

    public void Dispose() => NativeMemory.AlignedFree(_items.Start);
}
