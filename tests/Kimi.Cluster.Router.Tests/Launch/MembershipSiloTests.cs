using System.Net;
using Kimi.Cluster.Launch;
using Orleans.Runtime;

namespace Kimi.Cluster.Router.Tests.Launch;

public class MembershipSiloTests
{
    private const int Port = 11111;

    private static ClusterMember Member(int port, int generation, SiloStatus status) =>
        new(SiloAddress.New(new IPEndPoint(IPAddress.Loopback, port), generation), status, $"silo-{port}-{generation}");

    [Fact]
    public void SilosOfExitedWorker_DeclaresTheLiveSiloOnThePort_AndIgnoresItsEarlierGenerationsAndOtherPorts()
    {
        var live = Member(Port, 3, SiloStatus.Active);
        var (foundDead, toDeclare) = MembershipSilo.SilosOfExitedWorker(
            [Member(Port, 1, SiloStatus.Dead), live, Member(Port + 1, 2, SiloStatus.Active), Member(Port + 2, 5, SiloStatus.Dead)], Port);

        Assert.Null(foundDead);
        Assert.Equal([live.SiloAddress], toDeclare);
    }

    [Fact]
    public void SilosOfExitedWorker_ReportsTheNewestSiloFoundDead_WhenOrleansDeclaredItFirst()
    {
        var newest = Member(Port, 4, SiloStatus.Dead);
        var (foundDead, toDeclare) = MembershipSilo.SilosOfExitedWorker(
            [Member(Port, 1, SiloStatus.Dead), newest, Member(Port + 1, 2, SiloStatus.Active)], Port);

        Assert.Equal(newest.SiloAddress, foundDead);
        Assert.Empty(toDeclare);
    }

    [Fact]
    public void SilosOfExitedWorker_FindsNothing_WhenNoSiloOfThePortJoined()
    {
        var (foundDead, toDeclare) = MembershipSilo.SilosOfExitedWorker([Member(Port + 1, 2, SiloStatus.Active)], Port);

        Assert.Null(foundDead);
        Assert.Empty(toDeclare);
    }
}
