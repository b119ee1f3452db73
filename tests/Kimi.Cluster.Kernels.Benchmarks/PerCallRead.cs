using System.Diagnostics;
using System.Runtime.Intrinsics;
using Kimi.Cluster.Kernels.Threading;

namespace Kimi.Cluster.Kernels.Benchmarks;

/// <summary>
/// The read ceiling of one call: summing a matrix's stored bytes with the kernels' own worker pool
/// and item split. A matvec can approach this, not the bandwidth of one long 1 GB stream, because
/// every call starts and drains its streams.
/// </summary>
public static unsafe class PerCallRead
{
    /// <summary>GB/s of summing each matrix of <paramref name="matrices"/> in turn (10th percentile of calls).</summary>
    public static double Measure(BenchmarkMatrices matrices, int threads)
    {
        using var pool = new WorkerPool(threads, spinMicroseconds: 100);
        var items = new SumItems();
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (total.Elapsed.TotalSeconds < 1 || times.Count < 20)
        {
            var matrix = matrices.Next();
            items.Start = (byte*)matrix.Data;
            items.Bytes = matrix.Shape.DataBytes;
            items.Count = threads * 16;
            long start = Stopwatch.GetTimestamp();
            pool.Run(items, items.Count);
            times.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        times.Sort();
        return matrices.Shape.DataBytes / times[times.Count / 10] / 1e9;
    }

    private sealed class SumItems : IWorkItems
    {
        public byte* Start;
        public long Bytes;
        public int Count;
        public float Sink;

        public void Execute(int item)
        {
            long per = Bytes / Count / 256 * 256;
            float* p = (float*)(Start + item * per);
            Vector512<float> a = default, b = default, c = default, d = default;
            for (long i = 0; i < per / 4; i += 64)
            {
                a += Vector512.Load(p + i);
                b += Vector512.Load(p + i + 16);
                c += Vector512.Load(p + i + 32);
                d += Vector512.Load(p + i + 48);
            }
            Sink = Vector512.Sum(a + b + c + d);
        }
    }
}
