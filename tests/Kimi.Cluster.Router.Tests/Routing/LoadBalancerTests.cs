using Kimi.Cluster.Router.Routing;
using Kimi.Cluster.Router.Tests.Support;

namespace Kimi.Cluster.Router.Tests.Routing;

public sealed class LoadBalancerTests
{
    private static readonly RoutingOptions Options = new() { BlockSize = 4, MaxBlocks = 8, AffinitySlackTokens = 100 };
    private readonly ManualTime _time = new();

    private LoadBalancer Balancer(int workers)
    {
        var balancer = new LoadBalancer(workers, Options, _time);
        for (int worker = 0; worker < workers; worker++)
            balancer.Accept(worker);
        return balancer;
    }

    private static int[] Prompt(int first, int length) => [.. Enumerable.Range(first, length)];

    [Fact]
    public void Assign_PicksTheLeastLoadedWorker()
    {
        var balancer = Balancer(3);
        int a = balancer.Assign([], 500)!.Value;
        int b = balancer.Assign([], 300)!.Value;
        int c = balancer.Assign([], 100)!.Value;

        Assert.Equal(3, new[] { a, b, c }.Distinct().Count());
        Assert.Equal(c, balancer.Assign([], 1));
        Assert.Equal(101, balancer.Load(c).OutstandingTokens);
        Assert.Equal(2, balancer.Load(c).InFlight);
    }

    [Fact]
    public void Release_TakesTheLoadOffAgain()
    {
        var balancer = Balancer(2);
        int busy = balancer.Assign([], 1000)!.Value;
        Assert.NotEqual(busy, balancer.Assign([], 10));

        balancer.Release(busy, 1000);

        Assert.Equal(0, balancer.Load(busy).OutstandingTokens);
        Assert.Equal(0, balancer.Load(busy).InFlight);
        Assert.Equal(1, balancer.Load(busy).Routed);
    }

    [Fact]
    public void Assign_KeepsAPrefixOnItsWorker_WithinTheSlack()
    {
        var balancer = Balancer(2);
        var shared = balancer.PrefixHashes(Prompt(0, 12));
        int home = balancer.Assign(shared, 50)!.Value;

        // The same first two blocks, a different third: the longest known prefix still points home.
        var longer = balancer.PrefixHashes([.. Prompt(0, 8), 900, 901, 902, 903]);
        Assert.Equal(home, balancer.Assign(longer, 40));
        Assert.Equal(90, balancer.Load(home).OutstandingTokens);
    }

    [Fact]
    public void Assign_BreaksAffinity_WhenTheHomeWorkerExceedsTheSlack()
    {
        var balancer = Balancer(2);
        var prefix = balancer.PrefixHashes(Prompt(0, 8));
        int home = balancer.Assign(prefix, 101)!.Value;

        int moved = balancer.Assign(prefix, 10)!.Value;

        Assert.NotEqual(home, moved);
        // The prefix now lives where it went last.
        balancer.Release(moved, 10);
        Assert.Equal(moved, balancer.Assign(prefix, 10));
    }

    [Fact]
    public void PrefixHashes_NeedOneFullBlock_AndChainOverBlocks()
    {
        var balancer = Balancer(1);

        Assert.Empty(balancer.PrefixHashes(Prompt(0, 3)));
        var a = balancer.PrefixHashes(Prompt(0, 40));
        var b = balancer.PrefixHashes([.. Prompt(0, 4), 77, .. Prompt(5, 35)]);
        Assert.Equal(8, a.Length);
        Assert.Equal(a[0], b[0]);
        Assert.All(Enumerable.Range(1, 7), block => Assert.NotEqual(a[block], b[block]));
    }

    [Fact]
    public void MarkDown_SkipsTheWorker_UntilTheBackoffEnds()
    {
        var balancer = Balancer(2);
        var prefix = balancer.PrefixHashes(Prompt(0, 8));
        int home = balancer.Assign(prefix, 1)!.Value;
        balancer.Release(home, 1);

        balancer.MarkDown(home);

        Assert.False(balancer.IsReady(home));
        Assert.NotEqual(home, balancer.Assign(prefix, 1));
        _time.Advance(Options.DownBackoff);
        Assert.True(balancer.IsReady(home));
    }

    [Fact]
    public void Assign_FailsOverToWorkersNotTriedAndGivesUp_WhenNoneIsLeft()
    {
        var balancer = Balancer(2);
        int first = balancer.Assign([], 1)!.Value;

        int second = balancer.Assign([], 1, [first])!.Value;

        Assert.NotEqual(first, second);
        Assert.Null(balancer.Assign([], 1, [first, second]));
    }

    [Fact]
    public void Assign_NeverPicksAWorkerWhoseModelWasNotAccepted()
    {
        var balancer = new LoadBalancer(2, Options, _time);
        Assert.Null(balancer.Assign([], 1));

        balancer.Accept(1);

        Assert.Equal(1, balancer.Assign([], 1));
        Assert.Equal(1, balancer.Assign([], 1));
    }

    [Fact]
    public void AffinityMap_ForgetsTheLeastRecentlyUsedPrefix()
    {
        var map = new PrefixAffinityMap(2);
        map.Remember([1UL], 0);
        map.Remember([2UL], 1);
        Assert.Equal(0, map.Lookup([1UL]));
        map.Remember([1UL], 0);

        map.Remember([3UL], 1);

        Assert.Equal(2, map.Count);
        Assert.Null(map.Lookup([2UL]));
        Assert.Equal(0, map.Lookup([1UL]));
    }
}
