using System.Diagnostics;
using Kimi.Cluster.Scheduling;

namespace Kimi.Cluster.AttentionWorker.Batching;

public sealed partial class GenerationBatcher
{
    /// <summary>The step, as in nano-vllm: schedule, run, fold the tokens back in; wait when there is nothing to run.</summary>
    private void RunLoop(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var plan = Schedule();
                if (plan.IsEmpty)
                {
                    if (!WaitForWork(stoppingToken))
                        return;
                    continue;
                }
                if (Run(plan, stoppingToken) is { } sampled)
                    Update(sampled);
            }
        }
        finally
        {
            IsRunning = false;
            FailAll(new InvalidOperationException(_draining
                ? "the worker shut down before this generation finished (its drain timeout ran out)"
                : "the worker is shutting down"));
        }
    }

    private StepPlan<PendingGeneration> Schedule()
    {
        lock (_lock)
        {
            // Every request that leaves the scheduler is followed by a wake, so the loop passes here after it.
            CompleteDrainIfIdle();
            return _scheduler.Schedule();
        }
    }

    /// <summary>
    /// Runs the step; the engine hands each sampled token to its request, which streams it. A
    /// failed step fails its requests and returns null.
    /// </summary>
    private IReadOnlyList<SampledToken>? Run(StepPlan<PendingGeneration> plan, CancellationToken stoppingToken)
    {
        int tokens = plan.TotalTokens;
        LogStepStarting(_logger, plan.Sequences.Count, tokens);
        try
        {
            long started = Stopwatch.GetTimestamp();
            var sampled = _generator.Engine.Step(plan, stoppingToken);
            _metrics?.RecordStep(Stopwatch.GetElapsedTime(started), decodeOnly: tokens == plan.Sequences.Count);
            return sampled;
        }
        catch (Exception error)
        {
            // The cause (a libtorch trace, say) goes to this log only, under the request ids the
            // callers are told; the loop goes on with the other requests.
            var failed = FailStep(plan, error);
            LogStepFailed(_logger, error, plan.Sequences.Count, string.Join(", ", failed));
            return null;
        }
    }

    /// <summary>The scheduler decides which requests the tokens finished; they complete. Tokens of requests cancelled meanwhile go nowhere.</summary>
    private void Update(IReadOnlyList<SampledToken> sampled)
    {
        lock (_lock)
        {
            foreach (var done in _scheduler.Update(sampled))
                done.Request.Complete(done.Request.ToResult(done.Reason));
        }
    }

    /// <summary>
    /// A failed step fails its sequences (only): they leave the scheduler. Returns the request ids
    /// of those that were still waiting for an answer.
    /// </summary>
    private List<string> FailStep(StepPlan<PendingGeneration> plan, Exception cause)
    {
        var failed = new List<string>(plan.Sequences.Count);
        lock (_lock)
        {
            foreach (var sequence in plan.Sequences)
            {
                if (_scheduler.Cancel(sequence.Id, out var pending))
                {
                    pending.Fail(GenerationFailedException.For(pending.RequestId, cause));
                    failed.Add(pending.RequestId);
                }
            }
            // Nothing planned is running any more, so this only closes the step.
            _scheduler.Update([]);
        }
        return failed;
    }

    private bool WaitForWork(CancellationToken stoppingToken)
    {
        try
        {
            var woke = _wake.Reader.WaitToReadAsync(stoppingToken).AsTask().GetAwaiter().GetResult();
            _wake.Reader.TryRead(out _);
            return woke;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void FailAll(Exception error)
    {
        lock (_lock)
        {
            _stopped = true;
            foreach (var pending in _scheduler.CancelAll())
                pending.Fail(error);
        }
    }
}
