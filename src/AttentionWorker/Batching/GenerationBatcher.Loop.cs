using Kimi.Cluster.Model.Engine;
using Kimi.Cluster.Scheduling;

namespace Kimi.Cluster.AttentionWorker.Batching;

public sealed partial class GenerationBatcher
{
    private void RunLoop(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var plan = Plan();
                if (plan.IsEmpty)
                {
                    if (!WaitForWork(stoppingToken))
                        return;
                    continue;
                }
                RunStep(plan, stoppingToken);
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

    /// <summary>Folds in cancellations and arrivals, then plans the next step.</summary>
    private StepPlan Plan()
    {
        lock (_lock)
        {
            foreach (var id in _cancelled)
                _generator.Cancel(id);
            _cancelled.Clear();
            // Arrivals join the generator before the scheduler can plan them, under the same lock.
            foreach (var pending in _arrived)
            {
                if (_pending.ContainsKey(pending.Id))
                    AddToGenerator(pending);
            }
            _arrived.Clear();
            // Every removal from _pending is followed by a wake, so the loop passes here after it.
            CompleteDrainIfIdle();
            return _scheduler.Schedule();
        }
    }

    private void AddToGenerator(PendingGeneration pending)
    {
        try
        {
            _generator.Add(pending.Id, pending.Request);
        }
        catch (ArgumentException error)
        {
            _scheduler.Cancel(pending.Id);
            _pending.Remove(pending.Id);
            pending.Fail(error);
        }
    }

    private void RunStep(StepPlan plan, CancellationToken stoppingToken)
    {
        LogStepStarting(_logger, plan.Sequences.Count, plan.TotalTokens);
        IReadOnlyList<StepToken> sampled;
        try
        {
            sampled = _generator.Step(plan, stoppingToken);
        }
        catch (Exception error)
        {
            // The cause (a libtorch trace, say) goes to this log only, under the request ids the
            // callers are told; the loop goes on with the other requests.
            var failed = FailStep(plan, error);
            LogStepFailed(_logger, error, plan.Sequences.Count, string.Join(", ", failed));
            return;
        }
        lock (_lock)
        {
            // Tokens of sequences cancelled during the step go nowhere; Update ignores them too.
            foreach (var token in sampled)
            {
                if (_pending.TryGetValue(token.Id, out var pending))
                    pending.AddToken(token.Token);
            }
            foreach (var done in _scheduler.Update(sampled.Select(t => t.ToSampled()).ToArray()))
            {
                var result = _generator.Complete(done.Id, done.Reason);
                if (_pending.Remove(done.Id, out var pending))
                    pending.Complete(result);
            }
        }
    }

    /// <summary>
    /// A failed step fails its sequences (only): they leave the scheduler and the generator. Returns
    /// the request ids of those that were still waiting for an answer.
    /// </summary>
    private List<string> FailStep(StepPlan plan, Exception cause)
    {
        var failed = new List<string>(plan.Sequences.Count);
        lock (_lock)
        {
            foreach (var sequence in plan.Sequences)
            {
                _scheduler.Cancel(sequence.Id);
                _generator.Cancel(sequence.Id);
                if (_pending.Remove(sequence.Id, out var pending))
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
            foreach (var pending in _pending.Values)
                pending.Fail(error);
            _pending.Clear();
            _arrived.Clear();
        }
    }
}
