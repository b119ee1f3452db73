using Kimi.Cluster.Launch;

namespace Kimi.Cluster.Router.Tests.Launch;

/// <summary>
/// The expert workers start side by side, each binding its picked ports a second or so later; a
/// pick for one must not hand out a port another was given (two silos on one port, Orleans binding
/// with address reuse, formed no cluster).
/// </summary>
public sealed class LoopbackPortsTests
{
    [Fact]
    public void PickUnassigned_TakesTheFirstPick_WhenItHoldsNoAssignedOrRepeatedPort()
    {
        int picks = 0;
        int[] Pick(int count)
        {
            picks++;
            return [5000, 5001];
        }

        Assert.Equal([5000, 5001], LoopbackPorts.PickUnassigned(Pick, 2, new HashSet<int> { 4000, 4001 }));
        Assert.Equal(1, picks);
    }

    [Fact]
    public void PickUnassigned_PicksAgain_PastPortsHandedOutAlreadyOrRepeated()
    {
        var answers = new Queue<int[]>([[4001, 5001], [5002, 5002], [5003, 4000], [5004, 5005]]);

        Assert.Equal([5004, 5005], LoopbackPorts.PickUnassigned(_ => answers.Dequeue(), 2, new HashSet<int> { 4000, 4001 }));
        Assert.Empty(answers);
    }

    [Fact]
    public void PickUnassigned_Fails_AfterBoundedPicksThatAllClash()
    {
        int picks = 0;
        var error = Assert.Throws<InvalidOperationException>(() => LoopbackPorts.PickUnassigned(
            _ =>
            {
                picks++;
                return [4000, 5000];
            },
            2, new HashSet<int> { 4000 }));

        Assert.Equal(LoopbackPorts.Attempts * 4, picks);
        Assert.Contains("4000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PickUnassigned_WithTheSystemsPicks_AvoidsThePortsGiven()
    {
        var given = LoopbackPorts.Pick(2).ToHashSet();
        for (int i = 0; i < 50; i++)
        {
            int[] ports = LoopbackPorts.PickUnassigned(LoopbackPorts.Pick, 2, given);
            Assert.DoesNotContain(ports, given.Contains);
            Assert.NotEqual(ports[0], ports[1]);
        }
    }
}
