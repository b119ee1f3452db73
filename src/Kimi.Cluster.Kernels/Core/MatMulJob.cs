using Kimi.Cluster.Kernels.Isa;
using Kimi.Cluster.Kernels.Threading;

namespace Kimi.Cluster.Kernels.Core;

/// <summary>
/// One matmul y = x·Wᵀ split into row ranges for the worker pool. Cached per calling thread and
/// refilled per call, so a call allocates nothing.
/// </summary>
internal sealed unsafe class MatMulJob : IWorkItems
{
    [ThreadStatic] private static MatMulJob? t_cached;

    private IsaKernels? _isa;
    private WeightMatrix? _weights;
    private float* _x;
    private float* _y;
    private int _tokens;
    private int _rowsPerItem;

    /// <summary>Computes y[tokens, Rows] from x[tokens, Columns].</summary>
    public static void Run(IsaKernels isa, WorkerPool pool, long minParallelBytes, WeightMatrix w, float* x, float* y, int tokens)
    {
        var layout = isa.LayoutFor(w.Format);
        if (!layout.IsIdentity)
        {
            float* prepared = Scratch.Current.Get(ScratchSlot.Input, (long)tokens * w.Columns);
            layout.Apply(x, prepared, w.Columns, tokens);
            x = prepared;
        }
        bool alone = pool.ThreadCount == 1 || w.StoredBytes * tokens < minParallelBytes;
        var job = t_cached ??= new MatMulJob();
        job._isa = isa;
        job._weights = w;
        job._x = x;
        job._y = y;
        job._tokens = tokens;
        job._rowsPerItem = alone ? Align4(w.Rows) : RowsPerItem(w.Rows, tokens, pool.ThreadCount);
        try
        {
            pool.Run(job, (w.Rows + job._rowsPerItem - 1) / job._rowsPerItem);
        }
        finally
        {
            job._weights = null;
            job._x = job._y = null;
        }
    }

    public void Execute(int item)
    {
        int r0 = item * _rowsPerItem;
        int r1 = Math.Min(_weights!.Rows, r0 + _rowsPerItem);
        RowKernel.Compute(_isa!, _weights, _x, _tokens, _y, _weights.Rows, r0, r1);
    }

    /// <summary>
    /// About sixteen items per thread, so the threads finish within a small item of each other (a
    /// memory-bound call is only as fast as its last thread); at least 16 rows so an item is worth a
    /// claim; a multiple of 4 so every row is computed identically whatever the thread count; at
    /// most one tile when several tokens share each decoded tile.
    /// </summary>
    private static int RowsPerItem(int rows, int tokens, int threads)
    {
        int perItem = Math.Max(16, Align4((rows + threads * 16 - 1) / (threads * 16)));
        return tokens > 1 ? Math.Min(perItem, RowKernel.TileRows) : perItem;
    }

    private static int Align4(int rows) => Math.Max(4, (rows + 3) & ~3);
}
