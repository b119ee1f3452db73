using Kimi.Cluster.Kernels.Threading;

namespace Kimi.Cluster.Kernels.Attention;

/// <summary>
/// One latent-attention call split into (token, group of heads) items for the worker pool: all of a
/// token's heads in one item when there are tokens enough to keep every thread busy (its rows then
/// come from memory once), else a thread's share of them (<see cref="HeadsPerItem"/>, as
/// <see cref="AbsorbedAttentionJob"/> splits them): an item walks the rows once for all its heads,
/// where an item a block of four read them again per block (K2.5's widths, one sequence over 8192
/// rows: 11.2-11.9 ms a call in blocks, 8.5-9.2 in shares). Cached per calling thread and refilled
/// per call, so a call allocates nothing.
/// </summary>
internal sealed unsafe class LatentAttentionJob : IWorkItems
{
    [ThreadStatic] private static LatentAttentionJob? t_cached;

    private LatentAttentionShape? _shape;
    private IReadOnlyList<int[]?>? _slots;
    private int* _rowCounts;
    private float* _queryLatents, _queryRopes, _rows, _outputs;
    private int _headsPerItem;
    private bool _wide;

    /// <summary>Items per thread, at least, before a token's heads stop being split.</summary>
    private const int ItemsPerThread = 4;

    /// <summary>Whether a call of <paramref name="tokens"/> tokens splits each token's heads over the threads (<see cref="HeadsPerItem"/>).</summary>
    public static bool SplitsHeads(int tokens, int threads) => tokens < ItemsPerThread * threads;

    /// <param name="wide">Whether the loops run on 16-float vectors (<see cref="LatentAttention.Attend"/>).</param>
    public static void Run(WorkerPool pool, bool wide, LatentAttentionShape shape, float* queryLatents, float* queryRopes,
        float* rows, IReadOnlyList<int[]?> slots, int* rowCounts, float* outputs)
    {
        var job = t_cached ??= new LatentAttentionJob();
        (job._shape, job._slots) = (shape, slots);
        job._rowCounts = rowCounts;
        job._queryLatents = queryLatents;
        job._queryRopes = queryRopes;
        job._rows = rows;
        job._outputs = outputs;
        job._wide = wide;
        job._headsPerItem = SplitsHeads(shape.Tokens, pool.ThreadCount) ? HeadsPerItem(shape.Heads, pool.ThreadCount) : shape.Heads;
        try
        {
            pool.Run(job, shape.Tokens * job.ItemsPerToken);
        }
        finally
        {
            job._shape = null;
            job._slots = null;
            job._queryLatents = job._queryRopes = job._rows = job._outputs = null;
            job._rowCounts = null;
        }
    }

    /// <summary>A thread's share of <paramref name="heads"/>, rounded up to whole blocks of <see cref="LatentAttention.HeadBlock"/>.</summary>
    internal static int HeadsPerItem(int heads, int threads)
    {
        int share = (heads + threads - 1) / threads;
        return (share + LatentAttention.HeadBlock - 1) / LatentAttention.HeadBlock * LatentAttention.HeadBlock;
    }

    private int ItemsPerToken => (_shape!.Heads + _headsPerItem - 1) / _headsPerItem;

    public void Execute(int item)
    {
        int token = item / ItemsPerToken, firstHead = item % ItemsPerToken * _headsPerItem;
        Attend(_wide, _shape!, _queryLatents, _queryRopes, _rows, _slots!, _rowCounts, _outputs, token, firstHead, Math.Min(_headsPerItem, _shape!.Heads - firstHead));
    }

    /// <summary>
    /// Heads firstHead..firstHead + heads − 1 of one token (nothing when the token has no slots): one
    /// item's work. rowCounts: null, or how many of its slots each token sees.
    /// </summary>
    public static void Attend(bool wide, LatentAttentionShape shape, float* queryLatents, float* queryRopes, float* rows, IReadOnlyList<int[]?> tokenSlots,
        int* rowCounts, float* outputs, int token, int firstHead, int heads)
    {
        if (tokenSlots[token] is not { } allSlots)
            return;
        var slots = rowCounts is null ? allSlots : allSlots.AsSpan(0, rowCounts[token]);
        long latentStride = shape.LatentHeadStride;
        long latentOffset = firstHead * latentStride + token * shape.LatentTokenStride;
        long ropeOffset = token * shape.RopeTokenStride + firstHead * shape.RopeHeadStride;
        LatentAttention.Attend(wide, heads, queryLatents + latentOffset, latentStride, queryRopes + ropeOffset, shape.RopeHeadStride,
            shape.LatentWidth, shape.RopeWidth, rows, slots, shape.Scale, outputs + latentOffset);
    }
}
