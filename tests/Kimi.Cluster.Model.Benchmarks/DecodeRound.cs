using Kimi.Cluster.Model.Engine;
using Kimi.Cluster.Scheduling;

namespace Kimi.Cluster.Model.Benchmarks;

/// <summary>
/// One round of greedy generation through the engine and scheduler the server runs: the batch's
/// prompts go in together, <see cref="Prefill"/> steps until every prompt is in the cache, then
/// each <see cref="DecodeStep"/> samples one token for every sequence. Distinct prompts per round,
/// so the prefix cache never shortens a prefill; end-of-sequence tokens are ignored.
/// </summary>
public sealed class DecodeRound : IDisposable
{
    private const int BlockSize = 16;
    private const int MaxBatchTokens = 2048;

    private readonly ContinuousEngine _engine;
    private readonly Scheduler<GenerationSequence> _scheduler;
    private readonly int _promptLength;
    private StepPlan<GenerationSequence>? _next; // scheduled by Prefill, run by the first DecodeStep

    public DecodeRound(LoadedModel model, int batch, int promptLength, int newTokens, int round)
    {
        ArgumentNullException.ThrowIfNull(model);
        _promptLength = promptLength;
        var size = new CacheSize(((promptLength + newTokens) / BlockSize + 1) * batch, BlockSize);
        _engine = new ContinuousEngine(model, size);
        try
        {
            _scheduler = new Scheduler<GenerationSequence>(
                new SchedulerConfig(model.Config.MaxPositionEmbeddings, MaxBatchTokens, maxRunning: batch, maxWaiting: batch), size);
            var sampling = new SamplingParams { Temperature = 0, MaxTokens = newTokens, IgnoreEos = true };
            for (int i = 0; i < batch; i++)
            {
                int sequence = round * batch + i;
                var prompt = Enumerable.Range(0, promptLength)
                    .Select(p => (int)((p * 7919L + sequence * 104729L) % (model.Config.VocabSize - 2)) + 2)
                    .ToArray();
                var request = new GenerationRequest(prompt, sampling);
                _engine.Validate(request);
                if (!_scheduler.TryAdd(new GenerationSequence(i, request, model.Config.EosTokenIds), out var refusal))
                    throw new ArgumentException(refusal.Message);
            }
        }
        catch
        {
            // A refused prompt (longer than the model's positions, say) must not keep the cache.
            _engine.Dispose();
            throw;
        }
    }

    /// <summary>Steps until every prompt is in the cache; the next step is then decode only.</summary>
    public void Prefill()
    {
        while (_scheduler.HasWork)
        {
            var plan = _scheduler.Schedule();
            if (plan.Sequences.Count > 0 && plan.Sequences.All(s => s.Count == 1 && s.Start >= _promptLength))
            {
                _next = plan;
                return;
            }
            _scheduler.Update(_engine.Step(plan));
        }
    }

    /// <summary>One decode step (a token for every running sequence); false once every sequence has finished.</summary>
    public bool DecodeStep()
    {
        var plan = _next ?? (_scheduler.HasWork ? _scheduler.Schedule() : null);
        _next = null;
        if (plan is null || plan.IsEmpty)
            return false;
        _scheduler.Update(_engine.Step(plan));
        return true;
    }

    public void Dispose() => _engine.Dispose();
}
