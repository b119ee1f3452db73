namespace Kimi.Cluster.Kernels.Threading;

/// <summary>
/// Learns which dispatched call follows which, so that after a call the pool knows the weights the
/// next one will read while the dispatching thread is still busy between them (norms, rope, the
/// router's choice, the sampler: an eighth of a batch-1 decode step of the bench model, the memory idle). Calls are named by
/// <see cref="IWorkItems.CallKey"/>; a decode step makes the same calls in the same order every
/// step, so one step teaches the next. Calls without a key (the routed experts) are stepped over:
/// the call after them is remembered as following the keyed call before them, taken only once
/// they have run. Used only by the dispatching thread while it holds the pool.
/// </summary>
internal sealed class NextCallPrefetch
{
    private const int MaxRanges = 8;

    /// <summary>Calls remembered at most: several models' worth; past it (models loaded and dropped in turn) the table starts over.</summary>
    private const int MaxCalls = 4096;

    private readonly Dictionary<nint, Successor> _next = new();
    private nint _last;
    private bool _steppedOver;

    /// <summary>Records a call about to be dispatched over <paramref name="threads"/> threads in <paramref name="items"/> items.</summary>
    public void Dispatched(IWorkItems job, int items, int threads)
    {
        nint key = job.CallKey;
        if (key == 0)
        {
            _steppedOver = true;
            return;
        }
        if (_last != 0)
        {
            Learn(_last, job, items, threads, _steppedOver);
        }
        _last = key;
        _steppedOver = false;
    }

    /// <summary>The weights each thread will read first in the call expected after <paramref name="job"/>, or null.</summary>
    public WeightRange[][]? After(IWorkItems job)
    {
        nint key = job.CallKey;
        if (key != 0)
        {
            return _next.TryGetValue(key, out var next) && !next.AfterSteppedOver ? next.Shares : null;
        }
        return _last != 0 && _next.TryGetValue(_last, out var later) && later.AfterSteppedOver ? later.Shares : null;
    }

    /// <summary>What was learnt to follow the call named <paramref name="key"/>, stepped over or not (for tests).</summary>
    internal WeightRange[][]? Learnt(nint key) => _next.GetValueOrDefault(key)?.Shares;

    private void Learn(nint previous, IWorkItems job, int items, int threads, bool afterSteppedOver)
    {
        Span<WeightRange> ranges = stackalloc WeightRange[MaxRanges];
        _next.TryGetValue(previous, out var known);
        bool same = known is not null && known.AfterSteppedOver == afterSteppedOver && known.Shares.Length == threads;
        for (int thread = 0; thread < threads && same; thread++)
        {
            int n = job.ThreadWeights(thread, threads, items, ranges);
            same = ranges[..n].SequenceEqual(known!.Shares[thread]);
        }
        if (same)
        {
            return;
        }
        if (known is null && _next.Count >= MaxCalls)
        {
            _next.Clear();
        }
        var shares = new WeightRange[threads][];
        for (int thread = 0; thread < threads; thread++)
        {
            shares[thread] = ranges[..job.ThreadWeights(thread, threads, items, ranges)].ToArray();
        }
        _next[previous] = new Successor(shares, afterSteppedOver);
    }

    private sealed record Successor(WeightRange[][] Shares, bool AfterSteppedOver);
}
