using Kimi.Cluster.Kernels;
using TorchSharp;

namespace Kimi.Cluster.Model.Engine;

/// <summary>
/// Who computes on which cores. The weight matrices, which are nearly all the work, run on the
/// kernels' worker pool; libtorch keeps the small operations (norms, rotary, attention scores) on
/// the calling thread. Two pools that each spin-wait between jobs on the same cores starve each
/// other: with libtorch's OpenMP threads beside the kernels' pool a decode step was five times slower.
/// </summary>
public static class ComputeThreads
{
    private static int s_configured;

    /// <summary>Once per process, before the first forward pass: libtorch gets one intra-op thread when the kernels have several.</summary>
    public static void Configure()
    {
        if (Interlocked.Exchange(ref s_configured, 1) == 1)
            return;
        if (CpuKernels.Shared.ThreadCount > 1)
            torch.set_num_threads(1);
    }
}
