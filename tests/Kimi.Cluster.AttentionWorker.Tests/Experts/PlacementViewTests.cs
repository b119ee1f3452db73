using Kimi.Cluster.Abstractions;
using Kimi.Cluster.AttentionWorker.Experts;
using Kimi.Cluster.AttentionWorker.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kimi.Cluster.AttentionWorker.Tests.Experts;

/// <summary>
/// How the worker's view of placement treats an endpoint that failed and then shows up in a newer
/// table; when it takes up a newer table (at a step's first MoE layer, or at once); and how it
/// re-reads placement when an expert worker says the table it routed by is out of date.
/// </summary>
public sealed class PlacementViewTests
{
    private const string Restarted = "http://127.0.0.1:1", Other = "http://127.0.0.1:2";

    private static PlacementView View(out FixedPlacement placement)
    {
        placement = new FixedPlacement(FixedPlacement.Build(1, 8, [Restarted, Other]));
        return new PlacementView(placement, placement.Table, TimeSpan.FromSeconds(5), NullLogger<PlacementView>.Instance);
    }

    [Fact]
    public async Task Offer_TakesAFailedEndpointBack_WhenATableBuiltAfterTheFailureListsIt()
    {
        var view = View(out _);
        await view.AfterFailureAsync(Restarted, seenVersion: 1, [0], CancellationToken.None);
        Assert.True(view.IsBad(Restarted));

        view.Offer(FixedPlacement.Build(DateTime.UtcNow.AddSeconds(1).Ticks, 8, [Restarted]));

        Assert.False(view.IsBad(Restarted));
    }

    [Fact]
    public async Task AfterFailureAsync_KeepsAskingPlacement_UntilAShardThatLostItsOnlyReplicaHasOneAgain()
    {
        const string lost = "http://127.0.0.1:3", replacement = "http://127.0.0.1:4";
        var placement = new FixedPlacement(FixedPlacement.Build(1, 8, [lost], [Other]));
        var view = new PlacementView(placement, placement.Table, TimeSpan.FromSeconds(5), NullLogger<PlacementView>.Instance,
            failurePatience: TimeSpan.FromSeconds(60));

        var waiting = view.AfterFailureAsync(lost, seenVersion: 1, [0], CancellationToken.None);
        // Placement answers without a new replica (the cluster has not declared the worker dead yet): it is asked again.
        for (var until = DateTime.UtcNow.AddSeconds(30); placement.ReportedFailures.Count < 2; await Task.Delay(20))
            Assert.True(DateTime.UtcNow < until, "placement was not asked again");
        Assert.False(waiting.IsCompleted);
        placement.AnswerToFailure = FixedPlacement.Build(DateTime.UtcNow.Ticks, 8, [replacement], [Other]);
        await waiting.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal<string>([replacement], view.Current.Table.Shards[0].Endpoints);
    }

    [Fact]
    public async Task AfterFailureAsync_AsksPlacementAgainBesideAReportThatIsNeverAnswered()
    {
        // The report reached the placement grain on a silo that died under it: the Orleans client
        // answers it only at its response timeout, here the view's whole 60 s refresh timeout.
        const string lost = "http://127.0.0.1:3", replacement = "http://127.0.0.1:4";
        var placement = new FixedPlacement(FixedPlacement.Build(1, 8, [lost], [Other]))
        {
            UnansweredReports = 1,
            AnswerToFailure = FixedPlacement.Build(DateTime.UtcNow.Ticks, 8, [replacement], [Other]),
        };
        var view = new PlacementView(placement, placement.Table, TimeSpan.FromSeconds(60), NullLogger<PlacementView>.Instance,
            failurePatience: TimeSpan.FromSeconds(120));

        var waiting = view.AfterFailureAsync(lost, seenVersion: 1, [0], CancellationToken.None);

        // Asked again after PlacementView.FirstHedgeDelay (2 s), not after the 60 s.
        await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal<string>([replacement], view.Current.Table.Shards[0].Endpoints);
        Assert.Equal(2, placement.ReportedFailures.Count);
    }

    [Fact]
    public async Task AfterFailureAsync_WaitsOncePerOutage_WhenTheSameDeadEndpointFailsAgain()
    {
        const string dead = "http://127.0.0.1:3";
        var placement = new FixedPlacement(FixedPlacement.Build(1, 8, [dead]));
        var view = new PlacementView(placement, placement.Table, TimeSpan.FromSeconds(5), NullLogger<PlacementView>.Instance,
            failurePatience: TimeSpan.FromSeconds(1));

        var first = view.AfterFailureAsync(dead, seenVersion: 1, [0], CancellationToken.None);
        await Task.Delay(200);
        Assert.False(first.IsCompleted); // nothing else can take shard 0: wait for placement
        await first.WaitAsync(TimeSpan.FromSeconds(30));

        // A retry on the same endpoint right after gives up at once instead of waiting again: it
        // returns without waiting at all (a timed wait here could fail on a stalled machine).
        var retry = view.AfterFailureAsync(dead, seenVersion: 1, [0], CancellationToken.None);
        Assert.True(retry.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Offer_KeepsAvoidingAFailedEndpoint_WhenTheNewerTableWasBuiltBeforeTheFailure()
    {
        var view = View(out _);
        long builtBefore = DateTime.UtcNow.AddSeconds(-1).Ticks;
        await view.AfterFailureAsync(Restarted, seenVersion: 1, [0], CancellationToken.None);

        view.Offer(FixedPlacement.Build(builtBefore, 8, [Restarted, Other]));

        Assert.True(view.IsBad(Restarted));
        Assert.Equal(builtBefore, view.Current.Version);
    }

    /// <summary>A newer table with its own shape (two shards), so which table is current is plain.</summary>
    private static PlacementTable Newer(long version) => FixedPlacement.Build(version, 8, [Restarted], [Other]);

    private static PlacementView SteppedView(out FixedPlacement placement)
    {
        var view = View(out placement);
        view.StepBoundaryLayer = 1;
        return view;
    }

    [Fact]
    public void Offer_KeepsRoutingByTheCurrentTableButReportsTheNewVersion_WhenAStepBoundaryIsSet()
    {
        var view = SteppedView(out var placement);

        view.Offer(Newer(2));

        Assert.Same(placement.Table, view.Current.Table);
        Assert.Equal(2, view.RoutingVersion);
    }

    [Fact]
    public void EnteringLayer_TakesUpTheOfferedTable_OnlyWhenTheStepBoundaryLayerIsEntered()
    {
        var view = SteppedView(out _);
        var newer = Newer(2);
        view.Offer(newer);

        view.EnteringLayer(2);
        Assert.Equal(1, view.Current.Version);

        view.EnteringLayer(1);
        Assert.Same(newer, view.Current.Table);
        Assert.Equal(2, view.RoutingVersion);
    }

    [Fact]
    public void Offer_SwitchesAtOnce_WhenAskedToAtOnceDespiteAStepBoundary()
    {
        var view = SteppedView(out _);
        var newer = Newer(2);

        view.Offer(newer, atOnce: true);

        Assert.Same(newer, view.Current.Table);
        Assert.Equal(2, view.RoutingVersion);
    }

    [Fact]
    public void Offer_SwitchesAtOnce_WhenNoStepBoundaryIsSet()
    {
        var view = View(out _);
        var newer = Newer(2);

        view.Offer(newer);

        Assert.Same(newer, view.Current.Table);
    }

    [Fact]
    public void Offer_IgnoresATableOlderThanTheCurrentOrPendingOne_WhetherDeferredOrAtOnce()
    {
        var view = SteppedView(out _);
        var current = Newer(5);
        view.Offer(current, atOnce: true);

        view.Offer(Newer(3));
        view.Offer(Newer(4), atOnce: true);
        Assert.Equal(5, view.RoutingVersion);
        view.EnteringLayer(1);
        Assert.Same(current, view.Current.Table);

        var pending = Newer(7);
        view.Offer(pending);
        view.Offer(Newer(6));
        Assert.Equal(7, view.RoutingVersion);
        view.EnteringLayer(1);
        Assert.Same(pending, view.Current.Table);
    }

    [Fact]
    public async Task RefreshStaleAsync_MakesTheSourcesNewerTableCurrent_WhenNoNewerTableIsPending()
    {
        var view = SteppedView(out var placement);
        var moved = Newer(2);
        placement.Latest = moved;

        await view.RefreshStaleAsync(seenVersion: 1, CancellationToken.None);

        Assert.Same(moved, view.Current.Table);
        Assert.Equal(2, view.RoutingVersion);
        Assert.Equal(1, placement.TableReads);
        Assert.False(view.IsBad(Restarted)); // the worker that said so is fine
    }

    [Fact]
    public async Task RefreshStaleAsync_TakesUpThePendingTableWithoutAskingTheSource_WhenANewerTableWasOffered()
    {
        var view = SteppedView(out var placement);
        var pending = Newer(2);
        view.Offer(pending);
        placement.Latest = Newer(3); // what asking would have answered

        await view.RefreshStaleAsync(seenVersion: 1, CancellationToken.None);

        Assert.Same(pending, view.Current.Table);
        Assert.Equal(0, placement.TableReads);
    }
}
