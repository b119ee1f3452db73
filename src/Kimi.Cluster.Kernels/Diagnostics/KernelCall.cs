namespace Kimi.Cluster.Kernels.Diagnostics;

/// <summary>
/// One kernel call: its job (<c>MatMulJob</c>, <c>ExpertJob</c>, …), the work items it was split into,
/// the weight bytes it read (0 where the job reads no weight matrices, as attention over the cache),
/// and when it started and returned (<see cref="System.Diagnostics.Stopwatch"/> timestamps).
/// </summary>
public readonly record struct KernelCall(string Job, int Items, long WeightBytes, long Start, long End);
