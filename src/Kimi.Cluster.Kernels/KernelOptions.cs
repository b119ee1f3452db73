namespace Kimi.Cluster.Kernels;

/// <summary>
/// How a <see cref="CpuKernels"/> instance runs: which instruction-set path, how many threads, and
/// when a call is too small to be worth waking workers. Unset values come from the environment
/// (<see cref="IsaVariable"/>, <see cref="ThreadsVariable"/>), else from what the machine has.
/// </summary>
public sealed record KernelOptions
{
    /// <summary>Environment variable forcing the path: avx512, avx2 or portable.</summary>
    public const string IsaVariable = "KIMI_KERNEL_ISA";

    /// <summary>Environment variable setting the thread count.</summary>
    public const string ThreadsVariable = "KIMI_KERNEL_THREADS";

    /// <summary>The path to run; a path this CPU lacks throws. Null: environment, else the best one.</summary>
    public KernelIsa? Isa { get; init; }

    /// <summary>Threads per call, the calling thread included. Null: environment, else the processor count.</summary>
    public int? Threads { get; init; }

    /// <summary>
    /// Calls reading fewer than this many weight bytes × tokens run on the calling thread alone:
    /// below it, waking workers costs more than it saves.
    /// </summary>
    public long MinParallelBytes { get; init; } = 256 * 1024;

    /// <summary>
    /// How long an idle worker polls (yielding its core) for the next call before sleeping: decode issues calls
    /// back to back, and a sleeping worker takes tens of microseconds to wake. At 100 µs the worker
    /// sleeps across a decode step's boundary (the bench model's first call of a batch-1 step then
    /// takes 70-76 µs against 31-35 µs at 400-500 µs), but a longer spin takes cores from the other
    /// processes on the machine: with 500 µs, a clean-clone run of the fault-injection test (several
    /// worker processes on two cores) stalled 55 s after an expert worker's kill.
    /// </summary>
    public int SpinMicroseconds { get; init; } = 100;

    /// <summary>
    /// Whether a polling worker prefetches its share of the call expected next, learnt from the
    /// calls before (a decode step makes the same calls in the same order), while the calling thread
    /// works between the calls. Batch-1 decode steps of the bench model alternated in one process
    /// with it on and off: 2-3% faster (bf16 and INT4 experts). Off: the workers only poll.
    /// </summary>
    public bool PrefetchNextCall { get; init; } = true;

    internal KernelIsa ResolveIsa()
    {
        if (Isa is { } isa)
        {
            return isa;
        }
        string? text = Environment.GetEnvironmentVariable(IsaVariable);
        return string.IsNullOrWhiteSpace(text) ? Kernels.Isa.IsaSupport.Best : Kernels.Isa.IsaSupport.Parse(text);
    }

    internal int ResolveThreads()
    {
        if (Threads is { } threads)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads, nameof(Threads));
            return threads;
        }
        string? text = Environment.GetEnvironmentVariable(ThreadsVariable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return Environment.ProcessorCount;
        }
        return int.TryParse(text, out int parsed) && parsed > 0
            ? parsed
            : throw new ArgumentException($"{ThreadsVariable}='{text}' is not a positive thread count.");
    }
}
