namespace Kimi.Cluster.Kernels.Diagnostics;

/// <summary>
/// Told of every kernel call a <see cref="CpuKernels"/> instance runs, on the calling thread, after
/// the call returns (those run on the calling thread alone, too small to split or on one thread,
/// too): for finding where a decode step's time goes, in the kernels or between them. It runs on
/// the engine's critical path, so it must only record.
/// </summary>
public interface IDispatchObserver
{
    void Ran(in KernelCall call);
}
