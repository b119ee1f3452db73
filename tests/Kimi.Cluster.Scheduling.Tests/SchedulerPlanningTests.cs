namespace Kimi.Cluster.Scheduling.Tests;

public sealed class SchedulerPlanningTests
{
    private static Scheduler Create(int blocks = 64, int budget = 16, int maxRunning = 8) =>
        new(new SchedulerConfig(maxModelLength: 1024, budget, maxRunning, maxWaiting: 16), new CacheSize(blocks, 4));

    [Fact]
    public void Schedule_PrefillsALongPromptInChunksWithinTheBudget()
    {
        var scheduler = Create(budget: 16);
        Assert.True(scheduler.TryAdd(FakeEngine.Request(1, 40, 2), out _));
        var starts = new List<(int Start, int Count, bool Samples)>();
        for (var i = 0; i < 3; i++)
        {
            var (plan, _) = FakeEngine.Step(scheduler);
            var s = Assert.Single(plan.Sequences);
            starts.Add((s.Start, s.Count, s.SamplesToken));
            Assert.Equal(scheduler.Blocks.BlocksFor(s.End), s.BlockTable.Count);
        }
        Assert.Equal([(0, 16, false), (16, 16, false), (32, 8, true)], starts);
        var decode = Assert.Single(FakeEngine.Step(scheduler).Plan.Sequences);
        Assert.Equal((40, 1), (decode.Start, decode.Count));
        Assert.Equal([FakeEngine.SampledToken], decode.Tokens);
    }

    [Fact]
    public void Schedule_NeverLetsALongPrefillStarveRunningDecodes()
    {
        var scheduler = Create(budget: 16);
        Assert.True(scheduler.TryAdd(FakeEngine.Request(1, 4, 20), out _));
        FakeEngine.Step(scheduler);
        Assert.True(scheduler.TryAdd(FakeEngine.Request(2, 100, 1, firstToken: 500), out _));
        // 100 prompt tokens at 15 a step beside the decode: six full chunks, then the last 10.
        for (var i = 0; i < 7; i++)
        {
            var (plan, _) = FakeEngine.Step(scheduler);
            Assert.Equal((1L, 1), (plan.Sequences[0].Id, plan.Sequences[0].Count));
            Assert.Equal(i < 6 ? 15 : 10, plan.Sequences.Single(s => s.Id == 2).Count);
        }
    }

    [Fact]
    public void Schedule_RespectsTheTokenBudgetInEveryStep()
    {
        var scheduler = Create(budget: 10, maxRunning: 6);
        for (var id = 1; id <= 6; id++)
            Assert.True(scheduler.TryAdd(FakeEngine.Request(id, 7 * id, 3, firstToken: 100 * id), out _));
        var steps = 0;
        while (scheduler.HasWork)
        {
            var (plan, _) = FakeEngine.Step(scheduler);
            Assert.InRange(plan.TotalTokens, 1, 10);
            Assert.True(++steps < 100);
        }
        Assert.Equal(0, scheduler.Blocks.UsedCount);
    }

    [Fact]
    public void Schedule_ComputesASharedSystemPromptOnce()
    {
        var scheduler = Create(budget: 64);
        int[] system = [.. Enumerable.Range(1000, 16)];
        Assert.True(scheduler.TryAdd(new SequenceRequest(1, [.. system, 1, 2, 3], 4), out _));
        var first = Assert.Single(FakeEngine.Step(scheduler).Plan.Sequences);
        Assert.Equal((0, 19, 0), (first.Start, first.Count, first.CachedTokens));

        Assert.True(scheduler.TryAdd(new SequenceRequest(2, [.. system, 7, 8], 4), out _));
        var (plan, _) = FakeEngine.Step(scheduler);
        var second = plan.Sequences.Single(s => s.Id == 2);
        Assert.Equal((16, 2, 16), (second.Start, second.Count, second.CachedTokens));
        Assert.Equal(first.BlockTable.Take(4), second.BlockTable.Take(4));
        Assert.All(second.BlockTable.Take(4), b => Assert.Equal(2, scheduler.Blocks.RefCount(b)));
        Assert.Equal(3, plan.TotalTokens);
    }

    [Fact]
    public void Scheduler_LeavesItsFullBlocksCachedForTheNext_WhenASequenceFinishes()
    {
        var scheduler = Create(budget: 64);
        Assert.True(scheduler.TryAdd(FakeEngine.Request(1, 16, 1), out _));
        var (_, finished) = FakeEngine.Step(scheduler);
        Assert.Equal((1L, FinishReason.Length, 1), Outcome(Assert.Single(finished)));
        Assert.Equal(0, scheduler.Blocks.UsedCount);
        Assert.Equal(4, scheduler.PrefixCache.EvictableCount);

        // The same prompt again: three blocks are cached, the last token is recomputed for its logits.
        Assert.True(scheduler.TryAdd(FakeEngine.Request(2, 16, 1), out _));
        var again = Assert.Single(FakeEngine.Step(scheduler).Plan.Sequences);
        Assert.Equal((12, 4, 12), (again.Start, again.Count, again.CachedTokens));
    }

    [Fact]
    public void PrefixCache_KeysPositionsByTheirCacheKeys_SoSameTokensOfOtherImagesAreNotShared()
    {
        var scheduler = Create(budget: 64);
        // Positions 4..11 are an image's placeholders: one token id, keyed by the image.
        SequenceRequest Request(long id, int imageKey)
        {
            var request = FakeEngine.Request(id, 16, 1);
            int[] keys = [.. request.PromptTokens];
            for (int i = 4; i < 12; i++)
                keys[i] = -imageKey;
            return new SequenceRequest(id, request.PromptTokens, 1) { StopTokenIds = request.StopTokenIds, PromptCacheKeys = keys };
        }
        Assert.True(scheduler.TryAdd(Request(1, imageKey: 7), out _));
        FakeEngine.Step(scheduler);

        // Another image: only the block before it is shared.
        Assert.True(scheduler.TryAdd(Request(2, imageKey: 8), out _));
        Assert.Equal(4, Assert.Single(FakeEngine.Step(scheduler).Plan.Sequences).CachedTokens);
        // The same image: everything but the last token.
        Assert.True(scheduler.TryAdd(Request(3, imageKey: 7), out _));
        Assert.Equal(12, Assert.Single(FakeEngine.Step(scheduler).Plan.Sequences).CachedTokens);
    }

    [Fact]
    public void TryAdd_Refuses_WhenCacheKeysDoNotMatchThePrompt()
    {
        var scheduler = Create();
        var request = new SequenceRequest(1, [1, 2, 3], 1) { PromptCacheKeys = [1, 2] };
        Assert.False(scheduler.TryAdd(request, out var refusal));
        Assert.Equal(RefusalReason.Invalid, refusal!.Reason);
    }

    [Fact]
    public void StopToken_FinishesTheSequence()
    {
        var scheduler = Create();
        Assert.True(scheduler.TryAdd(FakeEngine.Request(1, 4, 50), out _));
        FakeEngine.Step(scheduler);
        var (_, finished) = FakeEngine.Step(scheduler, stop: _ => true);
        Assert.Equal((1L, FinishReason.Stop, 2), Outcome(Assert.Single(finished)));
        Assert.False(scheduler.HasWork);
    }

    [Fact]
    public void Scheduler_PreemptsTheNewestRunningSequence_WhenBlocksRunOut()
    {
        // 8 blocks of 4 tokens; two sequences of 12 prompt tokens each take 3 blocks, then grow.
        var scheduler = Create(blocks: 8, budget: 32);
        Assert.True(scheduler.TryAdd(FakeEngine.Request(1, 12, 12), out _));
        Assert.True(scheduler.TryAdd(FakeEngine.Request(2, 12, 12, firstToken: 100), out _));
        StepPlan plan;
        do
            plan = FakeEngine.Step(scheduler).Plan;
        while (plan.Preempted.Count == 0);

        Assert.Equal([2L], plan.Preempted);
        var survivor = Assert.Single(plan.Sequences);
        Assert.Equal(1, survivor.Id);
        Assert.Equal(1, scheduler.WaitingCount);
        Assert.Equal(1, scheduler.RunningCount);

        // The preempted sequence is recomputed later and both finish with all their tokens.
        var finished = new List<FinishedSequence>();
        for (var i = 0; i < 100 && scheduler.HasWork; i++)
            finished.AddRange(FakeEngine.Step(scheduler).Finished);
        Assert.Equal([1L, 2L], finished.Select(f => f.Id).Order());
        Assert.All(finished, f => Assert.Equal(12, f.OutputTokens));
    }

    [Fact]
    public void Scheduler_ReusesAPreemptedSequencesCachedBlocks_WhenItIsReadmitted()
    {
        var scheduler = Create(blocks: 8, budget: 32);
        Assert.True(scheduler.TryAdd(FakeEngine.Request(1, 12, 8), out _));
        Assert.True(scheduler.TryAdd(FakeEngine.Request(2, 12, 12, firstToken: 100), out _));
        while (FakeEngine.Step(scheduler).Plan.Preempted.Count == 0)
        {
        }
        ScheduledSequence? resumed = null;
        for (var i = 0; i < 100 && resumed is null; i++)
            resumed = FakeEngine.Step(scheduler).Plan.Sequences.FirstOrDefault(s => s.Id == 2 && s.Start == s.CachedTokens);
        Assert.NotNull(resumed);
        Assert.True(resumed.CachedTokens > 0);
    }

    private static (long Id, FinishReason Reason, int OutputTokens) Outcome(FinishedSequence done) => (done.Id, done.Reason, done.OutputTokens);
}
