namespace Kimi.Cluster.Kernels.Threading;

/// <summary>A batch of independent work items the <see cref="WorkerPool"/> runs once each, in any order.</summary>
internal interface IWorkItems
{
    /// <summary>Runs item <paramref name="item"/>; called on a worker or on the dispatching thread.</summary>
    void Execute(int item);

    /// <summary>Weight-matrix bytes the batch reads (for <see cref="Diagnostics.IDispatchObserver"/>); 0 where it reads none.</summary>
    long WeightBytes => 0;

    /// <summary>
    /// What names this call from one decode step to the next (its first weight matrix's address),
    /// so the pool can learn which call follows which; 0 where the weights change from call to call
    /// (the routed experts: they follow the routing).
    /// </summary>
    nint CallKey => 0;

    /// <summary>
    /// The weights thread <paramref name="thread"/> of <paramref name="threads"/> reads from the
    /// front of its run when the call is dispatched (see <see cref="WorkerPool"/>), in the order it
    /// reads them, written into <paramref name="ranges"/>; returns how many. Only a prefetch hint.
    /// </summary>
    int ThreadWeights(int thread, int threads, int items, Span<WeightRange> ranges) => 0;
}
