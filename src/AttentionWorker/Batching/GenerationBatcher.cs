using System.Threading.Channels;
using Kimi.Cluster.AttentionWorker.Generation;
using Kimi.Cluster.Model.Engine;

namespace Kimi.Cluster.AttentionWorker.Batching;

/// <summary>
/// Owns the only thread that calls the (single-threaded) engine. A static batcher: when
/// idle it takes everything that is waiting, runs it as one batch to completion, and
/// requests arriving meanwhile wait for the next batch. Continuous batching comes later.
/// </summary>
public sealed partial class GenerationBatcher(IBatchGenerator generator, ILogger<GenerationBatcher> logger)
    : BackgroundService
{
    /// <summary>Bounds the KV-cache memory one batch may take.</summary>
    public const int MaxBatchSize = 64;

    private readonly Channel<PendingGeneration> _queue = Channel.CreateUnbounded<PendingGeneration>(
        new UnboundedChannelOptions { SingleReader = true });

    /// <summary>False once the loop has stopped (host shutdown or a fault); reported by the health check.</summary>
    public bool IsRunning { get; private set; }

    /// <summary>Queues a validated request for the next batch.</summary>
    public PendingGeneration Enqueue(GenerationRequest request, CancellationToken callCancellation)
    {
        var pending = new PendingGeneration(request, callCancellation);
        if (!_queue.Writer.TryWrite(pending))
            throw new InvalidOperationException("the worker is shutting down");
        return pending;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        IsRunning = true;
        // Each batch blocks for as long as it generates: give the engine a thread of its own
        // rather than holding a thread-pool thread.
        return Task.Factory.StartNew(
            () => RunLoop(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private void RunLoop(CancellationToken stoppingToken)
    {
        try
        {
            while (WaitForWork(stoppingToken))
            {
                var batch = TakeWaiting();
                if (batch.Count > 0)
                    RunBatch(batch, stoppingToken);
            }
        }
        finally
        {
            IsRunning = false;
            _queue.Writer.TryComplete();
            FailWaiting();
        }
    }

    private bool WaitForWork(CancellationToken stoppingToken)
    {
        try
        {
            return _queue.Reader.WaitToReadAsync(stoppingToken).AsTask().GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private List<PendingGeneration> TakeWaiting()
    {
        var batch = new List<PendingGeneration>();
        while (batch.Count < MaxBatchSize && _queue.Reader.TryRead(out var pending))
        {
            // A caller that left while waiting costs nothing: it never enters the engine.
            if (pending.CallCancellation.IsCancellationRequested)
                pending.Complete(new GenerationResult([], FinishReason.Cancelled, pending.Request.PromptTokenIds.Count));
            else
                batch.Add(pending);
        }
        return batch;
    }

    private void RunBatch(List<PendingGeneration> batch, CancellationToken stoppingToken)
    {
        // Each sequence stops when its caller leaves or when the host shuts down.
        var links = batch
            .Select(p => CancellationTokenSource.CreateLinkedTokenSource(p.CallCancellation, stoppingToken))
            .ToArray();
        try
        {
            var requests = batch.Select((p, i) => p.Request with { Cancellation = links[i].Token }).ToArray();
            LogBatchStarting(logger, batch.Count);
            var results = generator.Generate(requests, (index, token) => batch[index].AddToken(token));
            for (int i = 0; i < batch.Count; i++)
                batch[i].Complete(results[i]);
        }
        catch (Exception error)
        {
            LogBatchFailed(logger, error, batch.Count);
            foreach (var pending in batch)
                pending.Fail(error);
        }
        finally
        {
            foreach (var link in links)
                link.Dispose();
        }
    }

    private void FailWaiting()
    {
        var stopped = new InvalidOperationException("the worker is shutting down");
        while (_queue.Reader.TryRead(out var pending))
            pending.Fail(stopped);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Running a batch of {Count} sequences")]
    private static partial void LogBatchStarting(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "A batch of {Count} sequences failed")]
    private static partial void LogBatchFailed(ILogger logger, Exception error, int count);
}
