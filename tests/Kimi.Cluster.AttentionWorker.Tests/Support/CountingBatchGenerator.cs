using Kimi.Cluster.AttentionWorker.Batching;
using Kimi.Cluster.AttentionWorker.Generation;
using Kimi.Cluster.Model.Engine;
using Kimi.Cluster.Scheduling;

namespace Kimi.Cluster.AttentionWorker.Tests.Support;

/// <summary>
/// A stand-in for the engine with predictable output: token k of a sequence is
/// (last prompt token + k + 1) mod vocab, logprob -1. Records how many sequences each step
/// ran, which requests it ever ran and which of those were cancelled, and can hold the first step
/// until released, so tests can queue requests behind it.
/// </summary>
public sealed class CountingBatchGenerator : IBatchGenerator, IStepEngine
{
    private readonly List<int> _batchSizes = [];
    private readonly List<long> _cancelled = [];
    private readonly ManualResetEventSlim _gate;
    private readonly SemaphoreSlim _stepPermits = new(0);
    private readonly SemaphoreSlim _heldSteps = new(0);
    private readonly Dictionary<long, TaskCompletionSource> _cancellations = [];

    public CountingBatchGenerator(bool startOpen = true) => _gate = new ManualResetEventSlim(startOpen);

    /// <summary>A step that holds a sequence whose prompt starts with this token throws <see cref="StepError"/>.</summary>
    public int? FailingPromptToken { get; init; }

    public Exception StepError { get; init; } = new InvalidOperationException("the step failed");

    /// <summary>Each step waits for its own <see cref="ReleaseOneStep"/>, so a test decides when the loop moves on.</summary>
    public bool HoldEveryStep { get; init; }

    public IStepEngine Engine => this;

    public ModelDescriptor Model { get; } = new("fake-model", 100, 64, [2], DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));

    /// <summary>Set when a step is waiting at the gate.</summary>
    public ManualResetEventSlim Holding { get; } = new();

    /// <summary>Sequences per step, in order.</summary>
    public IReadOnlyList<int> BatchSizes
    {
        get { lock (_batchSizes) return [.. _batchSizes]; }
    }

    /// <summary>Ids of the requests the engine ran that were cancelled.</summary>
    public IReadOnlyList<long> Cancelled
    {
        get { lock (_cancelled) return [.. _cancelled]; }
    }

    /// <summary>Ids of the requests the engine ever ran, in order.</summary>
    public List<long> Added { get; } = [];

    public void Release() => _gate.Set();

    public void ReleaseOneStep() => _stepPermits.Release();

    /// <summary>With <see cref="HoldEveryStep"/>: completes when a step is waiting for its <see cref="ReleaseOneStep"/>.</summary>
    public Task WaitForHeldStepAsync(CancellationToken cancellation) => _heldSteps.WaitAsync(cancellation);

    /// <summary>Completes when request <paramref name="id"/>, which the engine ran, is cancelled.</summary>
    public Task WhenCancelled(long id)
    {
        lock (_cancelled)
        {
            if (!_cancellations.TryGetValue(id, out var signal))
                _cancellations[id] = signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_cancelled.Contains(id))
                signal.TrySetResult();
            return signal.Task;
        }
    }

    /// <summary>Runs every request.</summary>
    public void Validate(GenerationRequest request)
    {
    }

    public IReadOnlyList<SampledToken> Step<TSequence>(StepPlan<TSequence> plan, CancellationToken cancellation)
        where TSequence : GenerationSequence
    {
        lock (_batchSizes)
            _batchSizes.Add(plan.Sequences.Count);
        foreach (var s in plan.Sequences.Where(s => !Added.Contains(s.Id)))
            Watch(s.Request);
        Holding.Set();
        if (HoldEveryStep)
        {
            _heldSteps.Release();
            _stepPermits.Wait(TimeSpan.FromSeconds(30));
        }
        else
            _gate.Wait(TimeSpan.FromSeconds(30));
        if (plan.Sequences.Any(s => s.Request.Request.PromptTokenIds[0] == FailingPromptToken))
            throw StepError;
        var sampled = new List<SampledToken>();
        foreach (var s in plan.Sequences.Where(s => s.SamplesToken))
        {
            var request = s.Request.Request;
            // The chunk that samples ends at the newest token, prompt or generated.
            int next = (s.Tokens[^1] + 1) % Model.VocabSize;
            var alternatives = Enumerable.Range(0, request.Sampling.Logprobs).Select(k => new TokenLogprob(k, -2f)).ToArray();
            s.Request.Accept(new GeneratedToken(next, -1f, alternatives));
            sampled.Add(new SampledToken(s.Id, next));
        }
        return sampled;
    }

    /// <summary>Notes a request the engine runs for the first time, and its cancellation when it comes.</summary>
    private void Watch(GenerationSequence sequence)
    {
        Added.Add(sequence.Id);
        if (sequence is not PendingGeneration pending)
            return;
        pending.Result.ContinueWith(result =>
        {
            if (result.IsCompletedSuccessfully && result.Result.FinishReason == FinishReason.Cancelled)
            {
                lock (_cancelled)
                {
                    _cancelled.Add(pending.Id);
                    if (_cancellations.TryGetValue(pending.Id, out var signal))
                        signal.TrySetResult();
                }
            }
        }, TaskScheduler.Default);
    }

    public void Dispose()
    {
        _gate.Dispose();
        _stepPermits.Dispose();
        _heldSteps.Dispose();
        Holding.Dispose();
    }
}
