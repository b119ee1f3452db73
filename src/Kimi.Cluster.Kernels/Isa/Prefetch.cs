using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Kimi.Cluster.Kernels.Isa;

/// <summary>
/// Software prefetch for the kernels that stream weights. Hardware prefetchers stop at every 4 KiB
/// page and lose track of four interleaved row streams; prefetching 8 KiB ahead into L2 (T1: no L1
/// miss buffers held, so many more lines in flight) took a bf16 matvec from ~26 to ~37 GB/s here.
/// </summary>
internal static unsafe class Prefetch
{
    /// <summary>How far ahead of the current position a row is prefetched.</summary>
    public const int Distance = 8192;

    /// <summary>
    /// Bytes ahead to prefetch for rows of <paramref name="rowBytes"/> read four at a time. Long rows
    /// look ahead within the row; short ones (where that would land in a row already streaming)
    /// look at the same column of a later group of four rows, at least <see cref="Distance"/> on.
    /// </summary>
    public static nint Ahead(long rowBytes)
    {
        if (rowBytes >= 2 * Distance)
        {
            return Distance;
        }
        long group = 4 * rowBytes;
        return (nint)(group * Math.Max(1, (Distance + group - 1) / group));
    }

    /// <summary>
    /// Bytes ahead for a tile decode, which reads one row's depth chunk after another: the same
    /// columns a few rows down, so the lines arrive while the rows in between are decoded.
    /// </summary>
    public static nint DecodeAhead(WeightMatrix w) => (nint)(4 * w.Shape.RowBytes);

    /// <summary>Prefetches the line <paramref name="ahead"/> bytes past <paramref name="p"/> into L2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Line(void* p, nint ahead)
    {
        // Without SSE (arm64) a prefetch is only a hint, and this one is skipped.
        if (Sse.IsSupported)
        {
            Sse.Prefetch1((byte*)p + ahead);
        }
    }

    /// <summary>
    /// Prefetches the line <paramref name="ahead"/> bytes past each pointer, marked non-temporal:
    /// for the one-token matvecs, which use each weight byte once. A batch-1 decode step streams
    /// some 100 MB of weights; prefetched into L2 (T1) they also pushed the engine thread's code and
    /// data out between the kernel calls. Bench model at batch 1, steps alternated in one process:
    /// 1-4% faster (bf16 and INT4); at batch 16, 2%.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StreamRows(void* p0, void* p1, void* p2, void* p3, nint ahead)
    {
        Sse.PrefetchNonTemporal((byte*)p0 + ahead);
        Sse.PrefetchNonTemporal((byte*)p1 + ahead);
        Sse.PrefetchNonTemporal((byte*)p2 + ahead);
        Sse.PrefetchNonTemporal((byte*)p3 + ahead);
    }

    /// <summary>
    /// Prefetches the line <see cref="Distance"/> bytes past <paramref name="p"/>, marked non-temporal:
    /// for one-token matvecs that read their rows as one ascending stream (see <see cref="StreamRows"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Stream(void* p)
    {
        // A hint only: skipped without SSE (arm64), where the head products' loops also run.
        if (Sse.IsSupported)
        {
            Sse.PrefetchNonTemporal((byte*)p + Distance);
        }
    }

    /// <summary>
    /// Prefetches the line <paramref name="ahead"/> bytes past each pointer into L2: for rows a call
    /// reads again (the multi-token matvecs' token groups re-read their four rows).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Rows(void* p0, void* p1, void* p2, void* p3, nint ahead)
    {
        Sse.Prefetch1((byte*)p0 + ahead);
        Sse.Prefetch1((byte*)p1 + ahead);
        Sse.Prefetch1((byte*)p2 + ahead);
        Sse.Prefetch1((byte*)p3 + ahead);
    }
}
