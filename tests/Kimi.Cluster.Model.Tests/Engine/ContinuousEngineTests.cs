using Kimi.Cluster.Model.Engine;
using Kimi.Cluster.Model.Tests.Support;
using Kimi.Cluster.Scheduling;

namespace Kimi.Cluster.Model.Tests.Engine;

/// <summary>
/// Continuous batching (scheduler + paged cache) must give every request exactly what it gets
/// when run alone, however its prefill is chunked, shared or preempted.
/// </summary>
public sealed class ContinuousEngineTests
{
    private static readonly Lazy<LoadedModel> Tiny = new(() => LoadedModel.CreateBuiltInTiny());

    /// <summary>Mixed lengths and sampling; every third prompt starts with the same 37 tokens.</summary>
    private static List<GenerationRequest> MixedRequests(int count, int maxPrompt, int maxTokens)
    {
        var random = new Random(42);
        var prefix = Enumerable.Range(0, 37).Select(_ => random.Next(3, 512)).ToArray();
        var requests = new List<GenerationRequest>();
        for (int i = 0; i < count; i++)
        {
            int length = random.Next(1, maxPrompt + 1);
            var prompt = Enumerable.Range(0, length).Select(_ => random.Next(3, 512));
            if (i % 3 == 0)
                prompt = prefix.Concat(prompt);
            var sampling = new SamplingParams
            {
                Temperature = i % 2 == 0 ? 0f : 0.8f,
                TopK = i % 4 == 1 ? 20 : 0,
                Seed = (ulong)i,
                MaxTokens = random.Next(1, maxTokens + 1),
                Logprobs = i % 5,
                // Penalties count the tokens generated so far, which must survive preemption.
                PresencePenalty = i % 3 == 2 ? 0.7f : 0f,
                FrequencyPenalty = i % 4 == 3 ? 1.5f : 0f,
                // Some may stop on the end-of-sequence token, which the scheduler learns as a stop.
                IgnoreEos = i % 7 != 0,
            };
            requests.Add(new GenerationRequest(prompt.ToArray(), sampling));
        }
        return requests;
    }

    private sealed record RunStats(Dictionary<long, GenerationResult> Results, int CachedTokens, int Preemptions, int MaxUsedBlocks);

    /// <summary>The engine loop: plan, compute, feed back, until every request finished.</summary>
    private static RunStats RunContinuously(IReadOnlyList<GenerationRequest> requests, SchedulerConfig config, CacheSize size)
    {
        using var engine = new ContinuousEngine(Tiny.Value, size);
        var scheduler = new Scheduler<GenerationSequence>(config, size);
        for (int i = 0; i < requests.Count; i++)
        {
            engine.Validate(requests[i]);
            Assert.True(scheduler.TryAdd(new GenerationSequence(i, requests[i], Tiny.Value.Config.EosTokenIds), out var refusal), refusal?.Message);
        }
        var results = new Dictionary<long, GenerationResult>();
        int cached = 0, preemptions = 0, maxUsed = 0;
        for (int step = 0; scheduler.HasWork; step++)
        {
            Assert.True(step < 10_000, "the loop made no progress");
            var plan = scheduler.Schedule();
            Assert.False(plan.IsEmpty);
            Assert.True(plan.TotalTokens <= config.MaxBatchTokens);
            cached += plan.Sequences.Where(s => s.Start == s.CachedTokens && s.CachedTokens > 0).Sum(s => s.CachedTokens);
            preemptions += plan.Preempted.Count;
            maxUsed = Math.Max(maxUsed, scheduler.Blocks.UsedCount);
            Assert.True(scheduler.Blocks.UsedCount <= size.Blocks);
            var sampled = engine.Step(plan);
            foreach (var done in scheduler.Update(sampled))
                results.Add(done.Id, done.Request.ToResult(done.Reason));
        }
        Assert.Equal(0, scheduler.Count);
        return new RunStats(results, cached, preemptions, maxUsed);
    }

    private static void AssertSameAsAlone(IReadOnlyList<GenerationRequest> requests, Dictionary<long, GenerationResult> results)
    {
        Assert.Equal(requests.Count, results.Count);
        for (int i = 0; i < requests.Count; i++)
        {
            var alone = Tiny.Value.Generate([requests[i]])[0];
            var together = results[i];
            Assert.Equal(alone.Tokens.Select(t => t.TokenId), together.Tokens.Select(t => t.TokenId));
            Assert.Equal(alone.FinishReason, together.FinishReason);
            for (int k = 0; k < alone.Tokens.Count; k++)
            {
                Assert.True(Math.Abs(alone.Tokens[k].Logprob - together.Tokens[k].Logprob) <= 1e-4,
                    $"request {i} token {k}: {alone.Tokens[k].Logprob} vs {together.Tokens[k].Logprob}");
                Assert.Equal(alone.Tokens[k].TopLogprobs.Select(t => t.TokenId), together.Tokens[k].TopLogprobs.Select(t => t.TokenId));
            }
        }
    }

    [Fact]
    public void ChunkedPrefillsWithSharedPrefixes_GiveEachRequestItsOwnOutput()
    {
        var requests = MixedRequests(64, maxPrompt: 60, maxTokens: 10);
        var run = RunContinuously(requests, new SchedulerConfig(1024, maxBatchTokens: 48, maxRunning: 16, maxWaiting: 64),
            new CacheSize(blocks: 512, blockSize: 8));
        Assert.True(run.CachedTokens > 0, "no request reused the shared prefix");
        AssertSameAsAlone(requests, run.Results);
    }

    [Fact]
    public void BurstIntoASmallCache_PreemptsAndStillGivesEveryRequestItsOutput()
    {
        var requests = MixedRequests(24, maxPrompt: 24, maxTokens: 16);
        var size = new CacheSize(blocks: 20, blockSize: 4);
        var run = RunContinuously(requests, new SchedulerConfig(1024, maxBatchTokens: 64, maxRunning: 12, maxWaiting: 64), size);
        Assert.True(run.Preemptions > 0, "the cache was never short");
        Assert.True(run.MaxUsedBlocks <= size.Blocks);
        AssertSameAsAlone(requests, run.Results);
    }
}
