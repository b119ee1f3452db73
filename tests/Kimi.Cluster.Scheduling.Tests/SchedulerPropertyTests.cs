using FsCheck.Xunit;

namespace Kimi.Cluster.Scheduling.Tests;

public sealed class SchedulerPropertyTests
{
    /// <summary>
    /// FsCheck picks the configuration seed and the operation script (and shrinks a failing one):
    /// under any mix of add/schedule/update/cancel the books stay straight and no request is lost.
    /// </summary>
    [Property(MaxTest = 300)]
    public void Scheduler_KeepsTheBooksAndLosesNothing_WhenOperationsAreRandom(int seed, byte[] script)
    {
        var harness = new SchedulerHarness(seed);
        foreach (var operation in script ?? [])
            harness.Apply(operation);
        harness.DrainAndCheck();
    }

    /// <summary>Long seeded runs, for pressure FsCheck's short scripts rarely reach.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Scheduler_KeepsTheBooksAndLosesNothing_WhenRandomRunsAreLong(int seed)
    {
        var random = new Random(seed);
        for (var run = 0; run < 40; run++)
        {
            var harness = new SchedulerHarness(random.Next());
            for (var i = 0; i < 400; i++)
                harness.Apply(random.Next(5));
            harness.DrainAndCheck();
        }
    }
}
