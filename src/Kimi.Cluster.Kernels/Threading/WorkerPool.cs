using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Kimi.Cluster.Kernels.Threading;

/// <summary>
/// Persistent worker threads that run one batch of work items at a time, the dispatching thread
/// working alongside them. Decoding calls many small matrices, so a dispatch must cost microseconds,
/// not Parallel.For's allocations and task scheduling: idle workers spin for a short while on the
/// batch ticket before sleeping on a monitor. Owns the threads, the ticket and the wake-up protocol.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    [ThreadStatic] private static WorkerPool? t_ownerOfThisThread;

    private readonly Thread[] _workers;
    private readonly object _gate = new();
    private readonly long _spinTicks;
    // High 32 bits: batch generation; low 32 bits: the next unclaimed item. One word, so a worker
    // that saw an old batch can never claim an item of a newer one (its compare-exchange fails).
    private long _ticket;
    private IWorkItems? _job;
    private int _count;
    private int _done;
    private int _sleepers;
    private int _busy;
    private Exception? _error;
    private volatile bool _stopping;

    /// <summary>Starts <paramref name="threads"/> − 1 workers (the dispatcher is the last thread).</summary>
    public WorkerPool(int threads, int spinMicroseconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);
        _spinTicks = Stopwatch.Frequency * spinMicroseconds / 1_000_000;
        _workers = new Thread[threads - 1];
        for (int i = 0; i < _workers.Length; i++)
        {
            _workers[i] = new Thread(WorkerLoop) { IsBackground = true, Name = $"kimi-kernel-{i + 1}" };
            _workers[i].Start();
        }
    }

    /// <summary>Threads that run items, the dispatcher included.</summary>
    public int ThreadCount => _workers.Length + 1;

    /// <summary>
    /// Runs items 0..<paramref name="count"/>−1 and returns when all are done. Runs them inline when
    /// there is one item, no worker, a nested call from a worker, or another dispatch in flight.
    /// </summary>
    public void Run(IWorkItems job, int count)
    {
        if (count <= 1 || _workers.Length == 0 || t_ownerOfThisThread == this
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
        Interlocked.Add(ref _ticket, 1L << 32);
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
        _count = count;
        _done = 0;
        _error = null;
        long generation = (Volatile.Read(ref _ticket) >> 32) + 1;
        // The exchange is a full fence: job fields are visible before the new generation, and the
        // read of _sleepers below cannot move above it (pairs with the increment in WaitForBatch).
        Interlocked.Exchange(ref _ticket, generation << 32);
        if (Volatile.Read(ref _sleepers) > 0)
        {
            lock (_gate)
            {
                Monitor.PulseAll(_gate);
            }
        }
        Drain(generation);
        var spinner = new SpinWait();
        while (Volatile.Read(ref _done) < count)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }
        _job = null;
        if (_error is { } error)
        {
            ExceptionDispatchInfo.Capture(error).Throw();
        }
    }

    private void Drain(long generation)
    {
        while (true)
        {
            long ticket = Volatile.Read(ref _ticket);
            int item = (int)(ticket & 0xFFFF_FFFF);
            if (ticket >> 32 != generation || item >= _count)
            {
                return;
            }
            if (Interlocked.CompareExchange(ref _ticket, ticket + 1, ticket) != ticket)
            {
                continue;
            }
            try
            {
                // A successful claim pins the batch: the dispatcher waits for this item, so _job is current.
                _job!.Execute(item);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _error, e, null);
            }
            Interlocked.Increment(ref _done);
        }
    }

    private void WorkerLoop()
    {
        t_ownerOfThisThread = this;
        long seen = 0;
        while (true)
        {
            long generation = WaitForBatch(seen);
            if (_stopping)
            {
                return;
            }
            seen = generation;
            Drain(generation);
        }
    }

    private long WaitForBatch(long seen)
    {
        long deadline = Stopwatch.GetTimestamp() + _spinTicks;
        do
        {
            long generation = Volatile.Read(ref _ticket) >> 32;
            if (generation != seen || _stopping)
            {
                return generation;
            }
            Thread.SpinWait(8);
        }
        while (Stopwatch.GetTimestamp() < deadline);
        lock (_gate)
        {
            Interlocked.Increment(ref _sleepers);
            try
            {
                while (Volatile.Read(ref _ticket) >> 32 == seen && !_stopping)
                {
                    Monitor.Wait(_gate);
                }
            }
            finally
            {
                Interlocked.Decrement(ref _sleepers);
            }
            return Volatile.Read(ref _ticket) >> 32;
        }
    }
}
