using Kimi.Cluster.Kernels.Threading;

namespace Kimi.Cluster.Kernels.Attention;

/// <summary>
/// MLA attention of a small batch (a decode step's) as one pool dispatch: each item takes a thread's
/// share of the heads (whole blocks of <see cref="LatentAttention.HeadBlock"/>) through all three
/// steps (key product, attention over every token's rows, value product), which are independent
/// across heads. As three dispatches, each paid its hand-off to the workers and its wait for the
/// slowest; at batch 1 the steps themselves take a few microseconds. As one item a block, a thread
/// took two or more items and read every cached row again for each: batch-1 decode steps of the
/// bench model, alternated in one process, were 1-3% faster with an item a thread (INT4 and bf16).
/// Each step runs the routine its own job runs, on the same heads, so the outputs are the same
/// bits. Cached per calling thread, so a call allocates nothing.
/// </summary>
internal sealed unsafe class AbsorbedAttentionJob : IWorkItems
{
    [ThreadStatic] private static AbsorbedAttentionJob? t_cached;

    private AbsorbedAttentionLayout? _layout;
    private IReadOnlyList<int[]?>? _slots;
    private int* _rowCounts;
    private int _headsPerItem;
    private float* _queries, _queryLatents, _queryRopes, _rows, _outputLatents, _attended;
    private void* _keyAbsorb, _valueAbsorb;
    private WeightFormat _format;
    private bool _wide;

    /// <summary>
    /// Whether a call of <paramref name="tokens"/> tokens runs as this one job: when the attention
    /// would split each token's heads over the threads anyway (few tokens), in the same shares.
    /// </summary>
    public static bool Suits(int tokens, int threads) => LatentAttentionJob.SplitsHeads(tokens, threads);

    /// <param name="format">How both kv_b_proj halves are held: float32 or bf16.</param>
    /// <param name="wide">Whether the attention loops run on 16-float vectors (<see cref="LatentAttention.Attend"/>).</param>
    public static void Run(WorkerPool pool, bool wide, AbsorbedAttentionLayout layout, float* queries, void* keyAbsorb, float* queryLatents,
        float* queryRopes, float* rows, IReadOnlyList<int[]?> slots, int* rowCounts, float* outputLatents, void* valueAbsorb, float* attended, WeightFormat format)
    {
        var job = t_cached ??= new AbsorbedAttentionJob();
        (job._layout, job._slots) = (layout, slots);
        job._rowCounts = rowCounts;
        job._queries = queries;
        job._keyAbsorb = keyAbsorb;
        job._queryLatents = queryLatents;
        job._queryRopes = queryRopes;
        job._rows = rows;
        job._outputLatents = outputLatents;
        job._valueAbsorb = valueAbsorb;
        job._attended = attended;
        job._format = format;
        job._wide = wide;
        try
        {
            job._headsPerItem = LatentAttentionJob.HeadsPerItem(layout.Attention.Heads, pool.ThreadCount);
            pool.Run(job, (layout.Attention.Heads + job._headsPerItem - 1) / job._headsPerItem);
        }
        finally
        {
            job._layout = null;
            job._slots = null;
            job._queries = job._queryLatents = job._queryRopes = null;
            job._rows = job._outputLatents = job._attended = null;
            job._keyAbsorb = job._valueAbsorb = null;
            job._rowCounts = null;
        }
    }

    public long WeightBytes => _layout is { } l ? l.Keys.WeightBytes(_format) + l.Values.WeightBytes(_format) : 0;

    public nint CallKey => (nint)_keyAbsorb;

    public int ThreadWeights(int thread, int threads, int items, Span<WeightRange> ranges)
    {
        var layout = _layout!;
        var (i0, i1) = WorkerPool.RunOf(thread, threads, items);
        int h0 = i0 * _headsPerItem, h1 = Math.Min(layout.Attention.Heads, i1 * _headsPerItem);
        if (h1 <= h0)
            return 0;
        ranges[0] = HeadWeights(layout.Keys, _keyAbsorb, h0, h1);
        ranges[1] = HeadWeights(layout.Values, _valueAbsorb, h0, h1);
        return 2;
    }

    private WeightRange HeadWeights(HeadProductLayout products, void* weights, int h0, int h1)
    {
        long headBytes = products.HeadBytes(_format);
        return new WeightRange((nint)weights + (nint)(h0 * headBytes), (h1 - h0) * headBytes);
    }

    public void Execute(int item)
    {
        var layout = _layout!;
        int firstHead = item * _headsPerItem;
        int heads = Math.Min(_headsPerItem, layout.Attention.Heads - firstHead);
        for (int h = firstHead; h < firstHead + heads; h++)
            HeadProducts.Compute(_wide, layout.Keys, _queries, _keyAbsorb, _format, _queryLatents, h);
        for (int t = 0; t < layout.Attention.Tokens; t++)
            LatentAttentionJob.Attend(_wide, layout.Attention, _queryLatents, _queryRopes, _rows, _slots!, _rowCounts, _outputLatents, t, firstHead, heads);
        for (int h = firstHead; h < firstHead + heads; h++)
            HeadProducts.Compute(_wide, layout.Values, _outputLatents, _valueAbsorb, _format, _attended, h);
    }
}
