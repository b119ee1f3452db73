using Kimi.Cluster.Kernels.Threading;

namespace Kimi.Cluster.Kernels.Attention;

/// <summary>
/// One decode-attention call split into (token, block of heads) items for the worker pool. Cached per
/// calling thread and refilled per call, so a call allocates nothing.
/// </summary>
internal sealed unsafe class LatentAttentionJob : IWorkItems
{
    [ThreadStatic] private static LatentAttentionJob? t_cached;

    private LatentAttentionShape? _shape;
    private IReadOnlyList<int[]?>? _slots;
    private float* _queryLatents, _queryRopes, _rows, _outputs;

    public static void Run(WorkerPool pool, LatentAttentionShape shape, float* queryLatents, float* queryRopes,
        float* rows, IReadOnlyList<int[]?> slots, float* outputs)
    {
        var job = t_cached ??= new LatentAttentionJob();
        (job._shape, job._slots) = (shape, slots);
        job._queryLatents = queryLatents;
        job._queryRopes = queryRopes;
        job._rows = rows;
        job._outputs = outputs;
        try
        {
            pool.Run(job, shape.Tokens * job.BlocksPerToken);
        }
        finally
        {
            job._shape = null;
            job._slots = null;
            job._queryLatents = job._queryRopes = job._rows = job._outputs = null;
        }
    }

    private int BlocksPerToken => (_shape!.Heads + LatentAttention.HeadBlock - 1) / LatentAttention.HeadBlock;

    public void Execute(int item)
    {
        var shape = _shape!;
        int token = item / BlocksPerToken, firstHead = item % BlocksPerToken * LatentAttention.HeadBlock;
        if (_slots![token] is not { } slots)
            return;
        int heads = Math.Min(LatentAttention.HeadBlock, shape.Heads - firstHead);
        long latentStride = (long)shape.Tokens * shape.LatentWidth;
        long latentOffset = firstHead * latentStride + (long)token * shape.LatentWidth;
        long ropeOffset = token * shape.RopeTokenStride + firstHead * shape.RopeHeadStride;
        LatentAttention.Attend(heads, _queryLatents + latentOffset, latentStride, _queryRopes + ropeOffset, shape.RopeHeadStride,
            shape.LatentWidth, shape.RopeWidth, _rows, slots, shape.Scale, _outputs + latentOffset);
    }
}
