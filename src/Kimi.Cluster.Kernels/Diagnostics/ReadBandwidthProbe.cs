using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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
    private readonly SumItems _items;

    /// <param name="kernels">Whose threads read; the probe's calls reach its observer with no weight bytes.</param>
    /// <param name="bytes">The buffer read per pass (256 MiB by default: eight times a large L3).</param>
    public ReadBandwidthProbe(CpuKernels kernels, long bytes = 256L << 20)
    {
        ArgumentNullException.ThrowIfNull(kernels);
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, 1L << 20);
        _pool = kernels.Pool;
        int count = _pool.ThreadCount * 16;
        // Whole 256-byte blocks per item: the sum's loop reads 64 floats a turn.
        long perItem = bytes / count / 256 * 256;
        long total = perItem * count;
        _items = new SumItems((byte*)NativeMemory.AlignedAlloc((nuint)total, 64), perItem, count);
        // Touched once, so no pass pays the page faults.
        for (long at = 0; at < total; at += int.MaxValue)
            new Span<byte>(_items.Data + at, (int)Math.Min(int.MaxValue, total - at)).Fill(1);
    }

    /// <summary>Bytes one pass reads.</summary>
    public long Bytes => _items.PerItem * _items.Count;

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

    public void Dispose() => NativeMemory.AlignedFree(_items.Data);

    private sealed class SumItems(byte* data, long perItem, int count) : IWorkItems
    {
        public byte* Data => data;

        public long PerItem => perItem;

        public int Count => count;

        /// <summary>Kept so the sums are not optimized away.</summary>
        public float Sink { get; private set; }

        public long WeightBytes => 0;

        public void Execute(int item) => Sink = Sum((float*)(data + item * perItem), perItem / 4);

        private static float Sum(float* p, long count)
        {
            if (Vector512.IsHardwareAccelerated)
            {
                Vector512<float> a = default, b = default, c = default, d = default;
                for (long i = 0; i < count; i += 64)
                {
                    a += Vector512.Load(p + i);
                    b += Vector512.Load(p + i + 16);
                    c += Vector512.Load(p + i + 32);
                    d += Vector512.Load(p + i + 48);
                }
                return Vector512.Sum(a + b + c + d);
            }
            int width = Vector<float>.Count;
            Vector<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (long i = 0; i < count; i += 4 * width)
            {
                s0 += Vector.Load(p + i);
                s1 += Vector.Load(p + i + width);
                s2 += Vector.Load(p + i + 2 * width);
                s3 += Vector.Load(p + i + 3 * width);
            }
            return Vector.Sum(s0 + s1 + s2 + s3);
        }
    }
}
