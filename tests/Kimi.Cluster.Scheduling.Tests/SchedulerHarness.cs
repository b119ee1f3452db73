namespace Kimi.Cluster.Scheduling.Tests;

/// <summary>
/// Drives a scheduler with random operations and keeps its own books of every request's fate,
/// checking after each operation that blocks are neither over-allocated nor owned twice.
/// </summary>
internal sealed class SchedulerHarness
{
    private readonly Random _random;
    private readonly int[][] _systemPrompts;
    private readonly HashSet<long> _open = [];
    private readonly HashSet<long> _finished = [];
    private readonly HashSet<long> _cancelled = [];
    private long _nextId;

    public SchedulerHarness(int seed)
    {
        _random = new Random(seed);
        var blockSize = _random.Next(2, 5);
        var maxRunning = _random.Next(1, 5);
        var config = new SchedulerConfig(
            maxModelLength: _random.Next(16, 65),
            maxBatchTokens: _random.Next(maxRunning, 33),
            maxRunning,
            maxWaiting: _random.Next(1, 7));
        Scheduler = new Scheduler(config, new CacheSize(_random.Next(6, 21), blockSize));
        // A few shared prefixes so the prefix cache sees real sharing.
        _systemPrompts = [.. Enumerable.Range(0, 3).Select(i => Enumerable.Range(1000 * i, _random.Next(1, 3 * blockSize + 2)).ToArray())];
    }

    public Scheduler Scheduler { get; }

    public int Refused { get; private set; }

    public void Apply(int operation)
    {
        switch (operation % 5)
        {
            case 0 or 1: Add(); break;
            case 2 or 3: Step(); break;
            default: CancelOne(); break;
        }
        Scheduler.CheckInvariants();
    }

    /// <summary>Steps until every request is done, then checks that each one finished or was cancelled.</summary>
    public void DrainAndCheck()
    {
        for (var steps = 0; Scheduler.HasWork; steps++)
        {
            Assert.True(steps < 5_000, "The scheduler made no progress.");
            Step();
        }
        Assert.Empty(_open);
        Assert.Empty(_finished.Intersect(_cancelled));
        Assert.Equal(0, Scheduler.Blocks.UsedCount);
        Assert.Equal(Scheduler.Blocks.Capacity, Scheduler.PrefixCache.AvailableCount);
        Scheduler.CheckInvariants();
    }

    // Sampled tokens are drawn from 0..49, so about one in ten stops its sequence.
    private static readonly IReadOnlySet<int> StopTokens = new HashSet<int> { 0, 1, 2, 3, 4 };

    private void Add()
    {
        var id = ++_nextId;
        var prefix = _random.Next(4) == 0 ? [] : _systemPrompts[_random.Next(_systemPrompts.Length)];
        int[] prompt = [.. prefix, .. Enumerable.Range(0, _random.Next(1, 12)).Select(_ => _random.Next(50))];
        var request = new SequenceRequest(id, prompt, _random.Next(1, 12)) { StopTokenIds = StopTokens };
        var waiting = Scheduler.WaitingCount;
        if (Scheduler.TryAdd(request, out var refusal))
        {
            _open.Add(id);
            return;
        }
        Refused++;
        var total = prompt.Length + request.MaxTokens;
        var fits = total <= Scheduler.Config.MaxModelLength && total <= Scheduler.Blocks.Capacity * Scheduler.Blocks.BlockSize;
        Assert.Equal(fits ? RefusalReason.QueueFull : refusal.Reason, refusal.Reason);
        // Preempted sequences go back to the queue regardless of its bound, so it may be over.
        Assert.True(!fits || waiting >= Scheduler.Config.MaxWaiting);
    }

    private void Step()
    {
        var plan = Scheduler.Schedule();
        Scheduler.CheckInvariants();
        CheckPlan(plan);
        // Now and then a client goes away while its step is in flight.
        if (plan.Sequences.Count > 0 && _random.Next(8) == 0)
            Cancel(plan.Sequences[_random.Next(plan.Sequences.Count)].Id);
        var results = plan.Sequences
            .Where(s => s.SamplesToken)
            .Select(s => new SampledToken(s.Id, _random.Next(50)))
            .ToList();
        foreach (var done in Scheduler.Update(results))
        {
            Assert.True(_open.Remove(done.Id), $"Request {done.Id} finished twice or was never open.");
            Assert.True(_finished.Add(done.Id));
        }
    }

    private void CheckPlan(StepPlan plan)
    {
        Assert.InRange(plan.TotalTokens, 0, Scheduler.Config.MaxBatchTokens);
        Assert.Equal(plan.Sequences.Count, plan.Sequences.Select(s => s.Id).Distinct().Count());
        Assert.True(!Scheduler.HasWork || !plan.IsEmpty || Scheduler.RunningCount > 0, "Work waits but nothing was planned.");
        foreach (var sequence in plan.Sequences)
        {
            Assert.Equal(Scheduler.Blocks.BlocksFor(sequence.End), sequence.BlockTable.Count);
            Assert.True(sequence.Count > 0 && sequence.Start >= sequence.CachedTokens);
        }
        var owners = plan.Sequences.SelectMany(s => s.BlockTable).GroupBy(b => b);
        foreach (var shared in owners.Where(g => g.Count() > 1))
        {
            Assert.True(Scheduler.PrefixCache.IsCached(shared.Key), $"Block {shared.Key} is owned twice but not cached.");
            Assert.True(Scheduler.Blocks.RefCount(shared.Key) >= shared.Count());
        }
        Assert.InRange(Scheduler.Blocks.UsedCount, 0, Scheduler.Blocks.Capacity);
    }

    private void CancelOne()
    {
        if (_open.Count == 0)
        {
            Assert.False(Scheduler.Cancel(-1));
            return;
        }
        Cancel(_open.ElementAt(_random.Next(_open.Count)));
    }

    private void Cancel(long id)
    {
        Assert.True(Scheduler.Cancel(id));
        Assert.True(_open.Remove(id));
        _cancelled.Add(id);
        Assert.False(Scheduler.Cancel(id));
    }
}
