using Kimi.Cluster.Model.Caching;
using Kimi.Cluster.Model.Layers;
using Kimi.Cluster.Scheduling;
using TorchSharp;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Engine;

/// <summary>
/// Continuous batching over a <see cref="PagedKvCache"/>: runs the steps a
/// <see cref="Scheduler"/> plans (decodes and prefill chunks mixed in one forward pass) and keeps
/// each request's sampler state, since the scheduler sees only token ids (and decides, from
/// them, when a request finishes). Not thread-safe: one loop drives the scheduler and this
/// engine together.
/// </summary>
public sealed class ContinuousEngine : IDisposable
{
    private readonly LoadedModel _model;
    private readonly Dictionary<long, SequenceOutput> _requests = [];

    /// <param name="model">Supplies the layers, the config and request validation; not owned.</param>
    public ContinuousEngine(LoadedModel model, CacheSize cacheSize)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        Cache = new PagedKvCache(model.Config, cacheSize);
    }

    public PagedKvCache Cache { get; }

    /// <summary>Requests added and not yet completed.</summary>
    public int Count => _requests.Count;

    /// <summary>
    /// Validates a request (<see cref="LoadedModel.Validate"/> throws ArgumentException),
    /// keeps its sampler state under <paramref name="id"/>, and returns what the scheduler needs.
    /// </summary>
    public SequenceRequest Add(long id, GenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        _model.Validate(request);
        if (!_requests.TryAdd(id, new SequenceOutput(request)))
            throw new ArgumentException($"Request {id} is already in the engine.", nameof(id));
        return request.ToSequence(id, _model.Config.EosTokenIds);
    }

    /// <summary>
    /// Runs one planned step and samples a token for every sequence whose chunk reaches the end
    /// of its known tokens. Sequences no longer in the engine (cancelled) are computed but skip sampling.
    /// Cancelling <paramref name="cancellation"/> (the worker stopping) abandons the step's remote expert work.
    /// </summary>
    public IReadOnlyList<StepToken> Step(StepPlan plan, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.IsEmpty)
            return [];
        using var noGrad = torch.no_grad();
        using var scope = NewDisposeScope();
        var tokens = new List<int>(plan.TotalTokens);
        var segments = new List<AttentionSegment>(plan.Sequences.Count);
        var views = new List<PagedSequenceView>(plan.Sequences.Count);
        try
        {
            foreach (var s in plan.Sequences)
            {
                // Positions before Start (prefix-cached or computed earlier) are already in the blocks.
                var view = Cache.View(s.BlockTable, s.Start, s.Count);
                views.Add(view);
                segments.Add(new AttentionSegment(tokens.Count, s.Count, view, s.Start));
                tokens.AddRange(s.Tokens);
            }
            var logits = _model.Model.Forward(tokens, segments, cancellation: cancellation);
            return Sample(plan, logits);
        }
        finally
        {
            foreach (var view in views)
                view.Dispose();
        }
    }

    private List<StepToken> Sample(StepPlan plan, Tensor logits)
    {
        var rows = new List<long>();
        var samplers = new List<(ScheduledSequence Plan, SequenceOutput Output)>();
        for (int i = 0; i < plan.Sequences.Count; i++)
        {
            var s = plan.Sequences[i];
            if (s.SamplesToken && _requests.TryGetValue(s.Id, out var output))
            {
                rows.Add(i);
                samplers.Add((s, output));
            }
        }
        if (rows.Count == 0)
            return [];
        var picked = logits.index_select(0, tensor(rows.ToArray()));
        var sampled = TokenSampler.Sample(picked, samplers.Select(x => x.Output.Request.Sampling).ToArray(),
            samplers.Select(x => x.Output.Random).ToArray(), samplers.Select(x => x.Output.TokenCounts).ToArray());
        var results = new List<StepToken>(rows.Count);
        for (int r = 0; r < samplers.Count; r++)
        {
            samplers[r].Output.Accept(sampled[r]);
            results.Add(new StepToken(samplers[r].Plan.Id, sampled[r]));
        }
        return results;
    }

    /// <summary>Removes a request the scheduler finished, for <paramref name="reason"/>, and returns its result.</summary>
    public GenerationResult Complete(long id, FinishReason reason) =>
        _requests.Remove(id, out var output) ? output.ToResult(reason) : throw new KeyNotFoundException($"Request {id} is not in the engine.");

    /// <summary>Removes a cancelled request (cancel it in the scheduler too); its result says Cancelled.</summary>
    public GenerationResult? Cancel(long id) =>
        _requests.Remove(id, out var output) ? output.ToResult(FinishReason.Cancelled) : null;

    public void Dispose() => Cache.Dispose();
}
