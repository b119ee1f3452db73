using System.Threading.Channels;
using Kimi.Cluster.AttentionWorker.Generation;
using Kimi.Cluster.AttentionWorker.Operations;
using Kimi.Cluster.Model.Engine;
using Kimi.Cluster.Scheduling;

namespace Kimi.Cluster.AttentionWorker.Batching;

/// <summary>
/// Continuous batching: requests join the <see cref="Scheduler{TRequest}"/> as they arrive, and one
/// loop thread (the only caller of the single-threaded engine) runs step after step, each mixing
/// decodes with prefill chunks. The scheduler is the one registry of requests: it holds each
/// <see cref="PendingGeneration"/> from admission until it finishes or is cancelled. Calls admit
/// and cancel from their own threads under a lock; the loop holds it for everything except the
/// step itself.
/// </summary>
public sealed partial class GenerationBatcher : BackgroundService
{
    private readonly IBatchGenerator _generator;
    private readonly ILogger<GenerationBatcher> _logger;
    private readonly Lock _lock = new();
    private readonly Scheduler<PendingGeneration> _scheduler;
    // Wakes an idle loop; one signal is enough however many arrive.
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    // Completed once draining has begun and nothing is pending.
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly AttentionWorkerMetrics? _metrics;
    private long _nextId;
    private bool _stopped;
    private volatile bool _draining;

    public GenerationBatcher(
        IBatchGenerator generator, BatchingOptions options, ILogger<GenerationBatcher> logger, AttentionWorkerMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(options);
        _generator = generator;
        _logger = logger;
        _metrics = metrics;
        _scheduler = new Scheduler<PendingGeneration>(options.SchedulerConfig(generator.Model.MaxPositionEmbeddings), options.CacheSize);
        metrics?.ObserveScheduler(Load);
        metrics?.ObserveResidentWeights(generator.Model.ResidentWeightBytes);
    }

    /// <summary>The scheduler's queue, running set, KV blocks and prefix-cache counters, read together.</summary>
    public SchedulerLoad Load()
    {
        lock (_lock)
            return new SchedulerLoad(_scheduler.RunningCount, _scheduler.WaitingCount, _scheduler.Blocks.UsedCount,
                _scheduler.Blocks.Capacity, _scheduler.PrefixQueryTokens, _scheduler.PrefixHitTokens);
    }

    /// <summary>False once the loop has stopped (host shutdown or a fault); reported by the health check.</summary>
    public bool IsRunning { get; private set; }

    /// <summary>True from the start of a shutdown: new requests are refused, running ones go on.</summary>
    public bool IsDraining => _draining;

    /// <summary>Refuses new requests from now on; the returned task completes when every admitted one has finished.</summary>
    public Task DrainAsync()
    {
        lock (_lock)
        {
            _draining = true;
            CompleteDrainIfIdle();
        }
        Wake();
        return _drained.Task;
    }

    /// <summary>How many admitted requests have not finished.</summary>
    public int PendingCount
    {
        get
        {
            lock (_lock)
                return _scheduler.Count;
        }
    }

    private void CompleteDrainIfIdle()
    {
        if (_draining && _scheduler.Count == 0)
            _drained.TrySetResult();
    }

    /// <summary>
    /// Admits a request, or throws at once: <see cref="AdmissionRefusedException"/> when the
    /// scheduler refuses it, ArgumentException when the engine cannot run it, and
    /// InvalidOperationException when the worker is stopping. A cancelled call is dropped from the
    /// scheduler at once.
    /// </summary>
    public PendingGeneration Enqueue(GenerationRequest request, CancellationToken callCancellation)
    {
        ArgumentNullException.ThrowIfNull(request);
        var pending = new PendingGeneration(Interlocked.Increment(ref _nextId), request, _generator.Model.EosTokenIds, callCancellation);
        lock (_lock)
        {
            if (_stopped || _draining)
                throw new InvalidOperationException("the worker is shutting down");
            if (!_scheduler.TryAdd(pending, out var refusal))
                throw new AdmissionRefusedException(refusal);
            try
            {
                _generator.Engine.Validate(request);
            }
            catch (ArgumentException)
            {
                _scheduler.Cancel(pending.Id);
                throw;
            }
        }
        // Registered outside the lock: an already-cancelled token runs Cancel right here.
        pending.CancelRegistration = callCancellation.Register(() => Cancel(pending.Id));
        Wake();
        return pending;
    }

    /// <summary>Frees the request's queue slot and blocks and completes its stream now.</summary>
    private void Cancel(long id)
    {
        lock (_lock)
        {
            if (!_scheduler.Cancel(id, out var pending))
                return;
            pending.Complete(new GenerationResult([], FinishReason.Cancelled, pending.Request.PromptTokenIds.Count));
        }
        Wake();
    }

    private void Wake() => _wake.Writer.TryWrite(true);

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        IsRunning = true;
        // Steps block for as long as the forward pass takes: give the engine a thread of its own
        // rather than holding a thread-pool thread.
        return Task.Factory.StartNew(
            () => RunLoop(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Running a step of {Sequences} sequences, {Tokens} tokens")]
    private static partial void LogStepStarting(ILogger logger, int sequences, int tokens);

    [LoggerMessage(Level = LogLevel.Error, Message = "A step of {Count} sequences failed; failed requests: {RequestIds}")]
    private static partial void LogStepFailed(ILogger logger, Exception error, int count, string requestIds);
}
