using Kimi.Cluster.Kernels.Isa;
using Kimi.Cluster.Kernels.Threading;

namespace Kimi.Cluster.Kernels.Core;

/// <summary>
/// One matmul y = x·Wᵀ split into row ranges for the worker pool, or two that share their input
/// (MLA's q_a and kv_a projections of the same hidden state) in one dispatch: the pool wakes and
/// waits once, and the second matrix's rows keep the threads streaming instead of idling at the
/// end of the first. Cached per calling thread and refilled per call, so a call allocates nothing.
/// </summary>
internal sealed unsafe class MatMulJob : IWorkItems
{
    [ThreadStatic] private static MatMulJob? t_cached;

    private IsaKernels? _isa;
    private WeightMatrix? _weights, _second;
    private float* _x, _xSecond;
    private float* _y, _ySecond;
    private int _tokens;
    private int _rowsPerItem;
    private int _firstItems;

    /// <summary>Computes y[tokens, Rows] from x[tokens, Columns].</summary>
    public static void Run(IsaKernels isa, WorkerPool pool, long minParallelBytes, WeightMatrix w, float* x, float* y, int tokens) =>
        Run(isa, pool, minParallelBytes, w, y, null, null, x, tokens);

    /// <summary>
    /// Computes y[tokens, w.Rows] and ySecond[tokens, second.Rows] from the same x[tokens, Columns].
    /// Each row is computed exactly as a call for its matrix alone computes it.
    /// </summary>
    public static void Run(IsaKernels isa, WorkerPool pool, long minParallelBytes,
        WeightMatrix w, float* y, WeightMatrix? second, float* ySecond, float* x, int tokens)
    {
        float* xFirst = Prepared(isa, w.Format, x, w.Columns, tokens, ScratchSlot.Input);
        float* xSecond = second is null ? null
            : isa.LayoutFor(second.Format) == isa.LayoutFor(w.Format) ? xFirst
            : Prepared(isa, second.Format, x, second.Columns, tokens, ScratchSlot.SecondInput);
        int rows = w.Rows + (second?.Rows ?? 0);
        bool alone = pool.ThreadCount == 1 || (w.StoredBytes + (second?.StoredBytes ?? 0)) * tokens < minParallelBytes;
        var job = t_cached ??= new MatMulJob();
        job._isa = isa;
        job._weights = w;
        job._second = second;
        job._x = xFirst;
        job._xSecond = xSecond;
        job._y = y;
        job._ySecond = ySecond;
        job._tokens = tokens;
        // Items never span the two matrices, and start at multiples of 4 rows in each.
        job._rowsPerItem = alone ? Align4(Math.Max(w.Rows, second?.Rows ?? 0)) : RowsPerItem(rows, tokens, pool.ThreadCount);
        job._firstItems = ItemsFor(w.Rows, job._rowsPerItem);
        try
        {
            pool.Run(job, job._firstItems + (second is null ? 0 : ItemsFor(second.Rows, job._rowsPerItem)));
        }
        finally
        {
            job._weights = job._second = null;
            job._x = job._xSecond = job._y = job._ySecond = null;
        }
    }

    public long WeightBytes => (_weights?.StoredBytes ?? 0) + (_second?.StoredBytes ?? 0);

    public nint CallKey => _weights?.Data ?? 0;

    public int ThreadWeights(int thread, int threads, int items, Span<WeightRange> ranges)
    {
        // The thread's items, mapped to rows as Execute maps them.
        var (i0, i1) = WorkerPool.RunOf(thread, threads, items);
        int n = Rows(_weights!, i0, Math.Min(i1, _firstItems), ranges);
        return _second is null ? n : n + Rows(_second, Math.Max(i0, _firstItems) - _firstItems, i1 - _firstItems, ranges[n..]);
    }

    /// <summary>The data and scales of the rows of items [i0, i1) of <paramref name="w"/>.</summary>
    private int Rows(WeightMatrix w, int i0, int i1, Span<WeightRange> ranges)
    {
        int r0 = i0 * _rowsPerItem, r1 = Math.Min(w.Rows, i1 * _rowsPerItem);
        if (r1 <= r0)
            return 0;
        var shape = w.Shape;
        ranges[0] = new WeightRange(w.Data + (nint)(r0 * shape.RowBytes), (r1 - r0) * shape.RowBytes);
        if (w.Scales == 0)
            return 1;
        // A scale row per weight row (int4) or per block of rows (fp8).
        int rowsPerScaleRow = Math.Max(1, shape.BlockRows);
        long scaleRowBytes = shape.ScaleBytes / shape.ScaleRows;
        long s0 = r0 / rowsPerScaleRow, s1 = (r1 + rowsPerScaleRow - 1) / rowsPerScaleRow;
        ranges[1] = new WeightRange(w.Scales + (nint)(s0 * scaleRowBytes), (s1 - s0) * scaleRowBytes);
        return 2;
    }

    public void Execute(int item)
    {
        bool first = item < _firstItems;
        var weights = first ? _weights! : _second!;
        int r0 = (first ? item : item - _firstItems) * _rowsPerItem;
        int r1 = Math.Min(weights.Rows, r0 + _rowsPerItem);
        RowKernel.Compute(_isa!, weights, first ? _x : _xSecond, _tokens, first ? _y : _ySecond, weights.Rows, r0, r1);
    }

    /// <summary>x itself when the path takes inputs in their natural order, else x rearranged into scratch.</summary>
    private static float* Prepared(IsaKernels isa, WeightFormat format, float* x, int columns, int tokens, ScratchSlot slot)
    {
        var layout = isa.LayoutFor(format);
        if (layout.IsIdentity)
            return x;
        float* prepared = Scratch.Current.Get(slot, (long)tokens * columns);
        layout.Apply(x, prepared, columns, tokens);
        return prepared;
    }

    private static int ItemsFor(int rows, int rowsPerItem) => (rows + rowsPerItem - 1) / rowsPerItem;

    /// <summary>
    /// About sixteen items per thread, so the threads finish within a small item of each other (a
    /// memory-bound call is only as fast as its last thread); at least 16 rows so an item is worth a
    /// claim; a multiple of 4 so every row is computed identically whatever the thread count; at
    /// most one tile, and at least one panel, when several tokens share each decoded tile.
    /// </summary>
    private static int RowsPerItem(int rows, int tokens, int threads)
    {
        int perItem = Math.Max(16, Align4((rows + threads * 16 - 1) / (threads * 16)));
        // Several tokens: at least a whole panel of the tile kernel (a shorter item pads its panel).
        return tokens > 1 ? Math.Min(Math.Max(perItem, IsaKernels.PanelRows), RowKernel.TileRows) : perItem;
    }

    private static int Align4(int rows) => Math.Max(4, (rows + 3) & ~3);
}
