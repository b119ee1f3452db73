using Kimi.Cluster.Model.Engine;
using Kimi.Cluster.Scheduling;

namespace Kimi.Cluster.Model.Tests.Support;

/// <summary>
/// Generation for tests through the one engine the server runs: the requests go to a
/// <see cref="ContinuousEngine"/> and its <see cref="Scheduler{TRequest}"/> together and are stepped until
/// each finishes, with a cache that holds all of them at once (so nothing is preempted).
/// </summary>
public static class Generation
{
    private const int BlockSize = 16;
    private const int MaxBatchTokens = 512;

    /// <summary>
    /// Each request's result, in request order; an invalid request throws ArgumentException as the
    /// engine refuses it. A small <paramref name="maxBatchTokens"/> cuts prefills into many chunks.
    /// </summary>
    public static IReadOnlyList<GenerationResult> Generate(this LoadedModel model, IReadOnlyList<GenerationRequest> requests, int maxBatchTokens = MaxBatchTokens)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(requests);
        int blocks = requests.Sum(r => (r.PromptTokenIds.Count + Math.Max(0, r.Sampling.MaxTokens)) / BlockSize + 1);
        var size = new CacheSize(blocks, BlockSize);
        using var engine = new ContinuousEngine(model, size);
        var scheduler = new Scheduler<GenerationSequence>(
            new SchedulerConfig(model.Config.MaxPositionEmbeddings, maxBatchTokens, maxRunning: requests.Count, maxWaiting: requests.Count), size);
        for (int i = 0; i < requests.Count; i++)
        {
            engine.Validate(requests[i]);
            if (!scheduler.TryAdd(new GenerationSequence(i, requests[i], model.Config.EosTokenIds), out var refusal))
                throw new ArgumentException(refusal.Message);
        }
        var results = new GenerationResult[requests.Count];
        while (scheduler.HasWork)
        {
            var sampled = engine.Step(scheduler.Schedule());
            foreach (var done in scheduler.Update(sampled))
                results[done.Id] = done.Request.ToResult(done.Reason);
        }
        return results;
    }
}
