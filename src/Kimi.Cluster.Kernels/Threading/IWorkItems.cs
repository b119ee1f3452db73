namespace Kimi.Cluster.Kernels.Threading;

/// <summary>A batch of independent work items the <see cref="WorkerPool"/> runs once each, in any order.</summary>
internal interface IWorkItems
{
    /// <summary>Runs item <paramref name="item"/>; called on a worker or on the dispatching thread.</summary>
    void Execute(int item);

    /// <summary>Weight-matrix bytes the batch reads (for <see cref="Diagnostics.IDispatchObserver"/>); 0 where it reads none.</summary>
    long WeightBytes => 0;
}
