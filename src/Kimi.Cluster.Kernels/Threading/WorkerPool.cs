using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Kimi.Cluster.Kernels.Diagnostics;
using Kimi.Cluster.Kernels.Isa;

namespace Kimi.Cluster.Kernels.Threading;

/// <summary>
/// Persistent worker threads that run one batch of work items at a time, the dispatching thread
/// working alongside them. Decoding calls many small matrices, so a dispatch must cost microseconds,
/// not Parallel.For's allocations and task scheduling: idle workers poll the batch generation for a
/// short while, yielding the core at each look, before sleeping on a monitor.
/// Each thread owns a contiguous run of the items and takes them from its front, then steals from
/// the back of the others' runs. Jobs number their items in memory order, so a thread streams one
/// long range of weights (its prefetches run on into its own next item) instead of hopping between
/// small items interleaved with the other threads' (a 1-token bf16 matvec of 1024 × 256 took 24 µs
/// that way and 14 µs with runs here); the stealing keeps the threads finishing within an item of each other.
/// While it polls, a worker prefetches its share of the call expected next (<see cref="NextCallPrefetch"/>).
/// Owns the threads, the runs and the wake-up protocol.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    [ThreadStatic] private static WorkerPool? t_ownerOfThisThread;

    private const int RunStride = 8;

    private readonly Thread[] _workers;
    private readonly object _gate = new();
    private readonly long _spinTicks;
    // Thread k's run of unclaimed items at _runs[k · RunStride]: low 32 bits its next item (taken
    // by k), high 32 bits one past its last (stolen by the others). One word, so a take and a steal
    // can never claim the same item; a line apart, so threads taking from their own runs do not
    // contend for one cache line.
    private readonly long[] _runs;
    private long _generation;
    private IWorkItems? _job;
    private int _done;
    private int _sleepers;
    private int _busy;
    private Exception? _error;
    private volatile bool _stopping;
    // Null when the option is off. Else what each thread reads first in the call expected next,
    // published after each call with a new plan generation for the polling workers to take.
    private readonly NextCallPrefetch? _nextCall;
    private WeightRange[][]? _prefetch;
    private long _prefetchGeneration;

    /// <summary>Starts <paramref name="threads"/> − 1 workers (the dispatcher is the last thread).</summary>
    /// <param name="prefetchNextCall">Whether a polling worker prefetches its share of the call expected next (<see cref="NextCallPrefetch"/>).</param>
    public WorkerPool(int threads, int spinMicroseconds, bool prefetchNextCall = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);
        _nextCall = prefetchNextCall && threads > 1 ? new NextCallPrefetch() : null;
        _spinTicks = Stopwatch.Frequency * spinMicroseconds / 1_000_000;
        _runs = new long[threads * RunStride];
        _workers = new Thread[threads - 1];
        for (int i = 0; i < _workers.Length; i++)
        {
            int self = i + 1;
            _workers[i] = new Thread(() => WorkerLoop(self)) { IsBackground = true, Name = $"kimi-kernel-{self}" };
            _workers[i].Start();
        }
    }

    /// <summary>What the pool has learnt of the calls' order; null when it does not prefetch.</summary>
    internal NextCallPrefetch? NextCall => _nextCall;

    /// <summary>Threads that run items, the dispatcher included.</summary>
    public int ThreadCount => _workers.Length + 1;

    /// <summary>Told of every call made from outside the pool's workers, once it returns; null (the default) costs one read a call.</summary>
    public IDispatchObserver? Observer { get; set; }

    /// <summary>
    /// Runs items 0..<paramref name="count"/>−1 and returns when all are done. Runs them inline when
    /// <paramref name="alone"/> (a call too small to be worth waking the workers), when there is one
    /// item, no worker, a nested call from a worker, or another dispatch in flight.
    /// </summary>
    public void Run(IWorkItems job, int count, bool alone = false)
    {
        var observer = Observer;
        if (observer is null || t_ownerOfThisThread == this)
        {
            RunItems(job, count, alone);
            return;
        }
        long start = Stopwatch.GetTimestamp();
        RunItems(job, count, alone);
        observer.Ran(new KernelCall(job.GetType().Name, count, job.WeightBytes, start, Stopwatch.GetTimestamp()));
    }

    private void RunItems(IWorkItems job, int count, bool alone)
    {
        if (alone || count <= 1 || _workers.Length == 0 || t_ownerOfThisThread == this
            || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            for (int i = 0; i < count; i++)
            {
                job.Execute(i);
            }
            return;
        }
        try
        {
            Dispatch(job, count);
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _stopping = true;
        Interlocked.Increment(ref _generation);
        lock (_gate)
        {
            Monitor.PulseAll(_gate);
        }
        foreach (var worker in _workers)
        {
            worker.Join();
        }
    }

    private void Dispatch(IWorkItems job, int count)
    {
        _job = job;
        _done = 0;
        _error = null;
        int threads = ThreadCount;
        for (int k = 0; k < threads; k++)
        {
            // Release: a worker that sees a new run also sees this batch's job and zeroed count.
            var (first, end) = RunOf(k, threads, count);
            Volatile.Write(ref _runs[k * RunStride], Pack(first, end));
        }
        // The increment is a full fence: the job and the runs are visible before the new generation,
        // and the read of _sleepers below cannot move above it (pairs with the increment in WaitForBatch).
        _nextCall?.Dispatched(job, count, threads);
        Interlocked.Increment(ref _generation);
        if (Volatile.Read(ref _sleepers) > 0)
        {
            lock (_gate)
            {
                Monitor.PulseAll(_gate);
            }
        }
        Drain(0);
        WaitForDone(count);
        _job = null;
        if (_nextCall?.After(job) is { } next)
        {
            // The workers poll for the next call meanwhile; each prefetches its share of it.
            Volatile.Write(ref _prefetch, next);
            Interlocked.Increment(ref _prefetchGeneration);
        }
        if (_error is { } error)
        {
            ExceptionDispatchInfo.Capture(error).Throw();
        }
    }

    /// <summary>
    /// Waits for the other threads' last items. SpinWait backs off to a yield after ten looks, and
    /// on this kind of machine a yield lasts a microsecond or more (a system call in a virtual
    /// machine), so the dispatcher saw the last item done some microseconds late, every call: in the
    /// bench model's routed-expert calls, 7.5 µs a call on average after the worker's last item had
    /// ended. It looks every few cycles for up to <see cref="TightWaitTicks"/> and only then backs
    /// off: longer, and on a machine shared by more processes than cores (a router and expert
    /// workers beside the attention worker) a descheduled worker left the dispatcher burning a core
    /// the others needed. Batch-1 decode steps of the bench model, steps alternated in one process,
    /// three rounds after a warm-up, with a 200 µs window: 0.988-0.995 of the old median step in
    /// bf16, 0.977-0.989 in INT4.
    /// </summary>
    private void WaitForDone(int count)
    {
        if (Volatile.Read(ref _done) >= count)
        {
            return;
        }
        long deadline = Stopwatch.GetTimestamp() + TightWaitTicks;
        while (Volatile.Read(ref _done) < count && Stopwatch.GetTimestamp() < deadline)
        {
            Thread.SpinWait(1);
        }
        var spinner = new SpinWait();
        while (Volatile.Read(ref _done) < count)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }
    }

    /// <summary>How long the dispatcher polls tightly for the last items: 20 µs, past the typical tail of a decode call.</summary>
    private static readonly long TightWaitTicks = Stopwatch.Frequency / 50_000;

    /// <summary>Thread <paramref name="thread"/>'s run of a dispatched call's <paramref name="items"/> items: it takes them from the front, first to last.</summary>
    public static (int First, int End) RunOf(int thread, int threads, int items) =>
        ((int)((long)items * thread / threads), (int)((long)items * (thread + 1) / threads));

    private static long Pack(int next, int end) => (uint)next | ((long)end << 32);

    /// <summary>Runs thread <paramref name="self"/>'s items from the front of its run, then the others' from the back.</summary>
    private void Drain(int self)
    {
        int threads = ThreadCount;
        for (int k = 0; k < threads; k++)
        {
            int run = (self + k) % threads;
            while (TryClaim(run, fromFront: k == 0, out int item))
            {
                try
                {
                    // A claimed item pins the batch: the dispatcher waits for it, so _job is current.
                    _job!.Execute(item);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref _error, e, null);
                }
                // Counted item by item, though each increment pulls this line from the polling
                // dispatcher: counted once a thread instead, a worker preempted between items held the
                // dispatcher until it ran again (batch-1 ITL behind a router went from 3.7 to 5.8 ms).
                Interlocked.Increment(ref _done);
            }
        }
    }

    private bool TryClaim(int run, bool fromFront, out int item)
    {
        ref long word = ref _runs[run * RunStride];
        while (true)
        {
            long seen = Volatile.Read(ref word);
            int next = (int)(uint)seen, end = (int)(seen >> 32);
            if (next >= end)
            {
                item = -1;
                return false;
            }
            long claimed = fromFront ? Pack(next + 1, end) : Pack(next, end - 1);
            if (Interlocked.CompareExchange(ref word, claimed, seen) == seen)
            {
                item = fromFront ? next : end - 1;
                return true;
            }
        }
    }

    private void WorkerLoop(int self)
    {
        t_ownerOfThisThread = this;
        long seen = 0, prefetched = 0;
        while (true)
        {
            long generation = WaitForBatch(self, seen, ref prefetched);
            if (_stopping)
            {
                return;
            }
            seen = generation;
            Drain(self);
        }
    }

    /// <summary>Bytes of the next call a worker prefetches at most: within an L2 (1 MiB a core on Zen 5), so the first lines stay.</summary>
    private const long PrefetchBudget = 768 * 1024;

    /// <summary>
    /// Prefetches <paramref name="ranges"/> (up to the budget) into this core's L2, 4 KiB at a time,
    /// stopping as soon as the next call arrives: the worker then starts its run of that call on
    /// weights already at hand while the dispatcher, busy between the calls, leaves the memory idle.
    /// </summary>
    private unsafe void PrefetchUntilCalled(WeightRange[] ranges, long seen)
    {
        const int Page = 4096, Line = 64;
        long budget = PrefetchBudget;
        foreach (var range in ranges)
        {
            byte* start = (byte*)range.Start;
            long bytes = Math.Min(range.Bytes, budget);
            budget -= bytes;
            for (long page = 0; page < bytes; page += Page)
            {
                if (Volatile.Read(ref _generation) != seen || _stopping)
                {
                    return;
                }
                long end = Math.Min(bytes, page + Page);
                for (long line = page; line < end; line += Line)
                {
                    Prefetch.Line(start + line, 0);
                }
            }
            if (budget == 0)
            {
                return;
            }
        }
    }

    private long WaitForBatch(int self, long seen, ref long prefetched)
    {
        long deadline = Stopwatch.GetTimestamp() + _spinTicks;
        do
        {
            long generation = Volatile.Read(ref _generation);
            if (generation != seen || _stopping)
            {
                return generation;
            }
            long plan = Volatile.Read(ref _prefetchGeneration);
            if (plan != prefetched)
            {
                prefetched = plan;
                if (Volatile.Read(ref _prefetch) is { } shares && self < shares.Length)
                {
                    PrefetchUntilCalled(shares[self], seen);
                }
                continue;
            }
            // Yield, not pause: another runnable thread here (the gRPC, SSE or router threads that
            // stream the last step's tokens) then runs in this gap instead of preempting a kernel
            // thread mid-call. In-process decode steps of the bench model alternated with and
            // without: 3.39 -> 3.18 ms median alone, 4.10 -> 3.86 ms beside a process busy a fifth
            // of a core (the mean of six runs each); a yield with nothing else to run returns at once.
            Thread.Yield();
        }
        while (Stopwatch.GetTimestamp() < deadline);
        lock (_gate)
        {
            Interlocked.Increment(ref _sleepers);
            try
            {
                while (Volatile.Read(ref _generation) == seen && !_stopping)
                {
                    Monitor.Wait(_gate);
                }
            }
            finally
            {
                Interlocked.Decrement(ref _sleepers);
            }
            return Volatile.Read(ref _generation);
        }
    }
}
