namespace Kimi.Cluster.Scheduling.Tests;

public sealed class SchedulerAdmissionTests
{
    private static Scheduler Create(int maxWaiting = 4) =>
        new(new SchedulerConfig(maxModelLength: 64, maxBatchTokens: 32, maxRunning: 4, maxWaiting), new CacheSize(8, 4));

    [Fact]
    public void TryAdd_RefusesUpFront_WhenTheRequestIsLongerThanTheContext()
    {
        var scheduler = Create();
        Assert.False(scheduler.TryAdd(FakeEngine.Request(1, 60, 5), out var refusal));
        Assert.Equal(RefusalReason.ExceedsContext, refusal.Reason);
        Assert.Contains("context of 64", refusal.Message);
        Assert.False(refusal.IsRetryable);
        Assert.False(scheduler.HasWork);
    }

    [Fact]
    public void TryAdd_RefusesUpFront_WhenTheRequestIsLargerThanTheWholeCache()
    {
        var scheduler = Create();
        Assert.False(scheduler.TryAdd(FakeEngine.Request(1, 30, 3), out var refusal));
        Assert.Equal(RefusalReason.ExceedsCache, refusal.Reason);
        Assert.True(scheduler.TryAdd(FakeEngine.Request(2, 30, 2), out _));
    }

    [Fact]
    public void TryAdd_RefusesWithARetryableReason_WhenTheQueueIsFull()
    {
        var scheduler = Create(maxWaiting: 2);
        Assert.True(scheduler.TryAdd(FakeEngine.Request(1, 4, 1), out _));
        Assert.True(scheduler.TryAdd(FakeEngine.Request(2, 4, 1), out _));
        Assert.False(scheduler.TryAdd(FakeEngine.Request(3, 4, 1), out var refusal));
        Assert.Equal(RefusalReason.QueueFull, refusal.Reason);
        Assert.True(refusal.IsRetryable);
        // Once the queue drains into the running set there is room again.
        FakeEngine.Step(scheduler);
        Assert.True(scheduler.TryAdd(FakeEngine.Request(3, 4, 1), out _));
    }

    [Fact]
    public void TryAdd_RefusesInvalidAndDuplicateRequests()
    {
        var scheduler = Create();
        Assert.False(scheduler.TryAdd(new SequenceRequest(1, [], 4), out var empty));
        Assert.Equal(RefusalReason.Invalid, empty.Reason);
        Assert.False(scheduler.TryAdd(FakeEngine.Request(1, 4, 0), out var noTokens));
        Assert.Equal(RefusalReason.Invalid, noTokens.Reason);
        Assert.True(scheduler.TryAdd(FakeEngine.Request(1, 4, 1), out _));
        Assert.False(scheduler.TryAdd(FakeEngine.Request(1, 4, 1), out var duplicate));
        Assert.Equal(RefusalReason.DuplicateId, duplicate.Reason);
    }

    [Fact]
    public void Cancel_FreesTheBlocksAtOnce()
    {
        var scheduler = Create();
        Assert.True(scheduler.TryAdd(FakeEngine.Request(1, 10, 5), out _));
        Assert.True(scheduler.TryAdd(FakeEngine.Request(2, 3, 5, firstToken: 100), out _));
        var plan = scheduler.Schedule();
        Assert.Equal(4, scheduler.Blocks.UsedCount);

        // Cancelled between Schedule and Update: its result is ignored.
        Assert.True(scheduler.Cancel(1));
        Assert.Equal(1, scheduler.Blocks.UsedCount);
        Assert.Equal(7, scheduler.PrefixCache.AvailableCount);
        scheduler.Update([.. plan.Sequences.Select(s => new SampledToken(s.Id, 5))]);
        scheduler.CheckInvariants();
        Assert.False(scheduler.Cancel(1));
        Assert.True(scheduler.Cancel(2));
        Assert.Equal(0, scheduler.Blocks.UsedCount);
        Assert.False(scheduler.HasWork);
    }

    [Fact]
    public void Cancel_RemovesAWaitingRequest()
    {
        var scheduler = Create();
        Assert.True(scheduler.TryAdd(FakeEngine.Request(1, 4, 1), out _));
        Assert.True(scheduler.Cancel(1));
        Assert.Equal(0, scheduler.WaitingCount);
        Assert.True(scheduler.Schedule().IsEmpty);
    }

    [Fact]
    public void Schedule_Throws_WhenCalledTwiceWithoutAnUpdate()
    {
        var scheduler = Create();
        Assert.True(scheduler.TryAdd(FakeEngine.Request(1, 4, 1), out _));
        scheduler.Schedule();
        Assert.Throws<InvalidOperationException>(() => scheduler.Schedule());
    }
}
