namespace Kimi.Cluster.Kernels.Threading;

/// <summary>A stretch of weight memory a call reads.</summary>
internal readonly record struct WeightRange(nint Start, long Bytes);
