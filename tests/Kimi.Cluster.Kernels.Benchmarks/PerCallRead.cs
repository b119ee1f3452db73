using System.Diagnostics;
using Kimi.Cluster.Kernels.Diagnostics;
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
        var items = new ReadSum();
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (total.Elapsed.TotalSeconds < 1 || times.Count < 20)
        {
            var matrix = matrices.Next();
            items.Start = (byte*)matrix.Data;
            items.Split(matrix.Shape.DataBytes, threads * 16);
            long start = Stopwatch.GetTimestamp();
            pool.Run(items, items.Count);
            times.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        times.Sort();
        return matrices.Shape.DataBytes / times[times.Count / 10] / 1e9;
    }
}
