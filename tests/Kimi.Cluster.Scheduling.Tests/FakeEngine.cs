namespace Kimi.Cluster.Scheduling.Tests;

/// <summary>
/// Stands in for the model: runs a plan and samples a fixed token for each sequence that needs one,
/// or the requests' stop token for those <c>stop</c> picks.
/// </summary>
internal static class FakeEngine
{
    public const int SampledToken = 99_999;

    public const int StopToken = 99_998;

    public static (StepPlan Plan, IReadOnlyList<FinishedSequence> Finished) Step(Scheduler scheduler, Func<long, bool>? stop = null)
    {
        var plan = scheduler.Schedule();
        scheduler.CheckInvariants();
        Assert.True(plan.TotalTokens <= scheduler.Config.MaxBatchTokens);
        var results = plan.Sequences
            .Where(s => s.SamplesToken)
            .Select(s => new SampledToken(s.Id, stop?.Invoke(s.Id) == true ? StopToken : SampledToken))
            .ToList();
        var finished = scheduler.Update(results);
        scheduler.CheckInvariants();
        return (plan, finished);
    }

    public static SequenceRequest Request(long id, int promptLength, int maxTokens, int firstToken = 0) =>
        new(id, [.. Enumerable.Range(firstToken, promptLength)], maxTokens) { StopTokenIds = new HashSet<int> { StopToken } };
}
