using Kimi.Cluster.AttentionWorker.Experts;
using Kimi.Cluster.AttentionWorker.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kimi.Cluster.AttentionWorker.Tests.Experts;

/// <summary>How the worker's view of placement treats an endpoint that failed and then shows up in a newer table.</summary>
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
    public async Task Offer_KeepsAvoidingAFailedEndpoint_WhenTheNewerTableWasBuiltBeforeTheFailure()
    {
        var view = View(out _);
        long builtBefore = DateTime.UtcNow.AddSeconds(-1).Ticks;
        await view.AfterFailureAsync(Restarted, seenVersion: 1, [0], CancellationToken.None);

        view.Offer(FixedPlacement.Build(builtBefore, 8, [Restarted, Other]));

        Assert.True(view.IsBad(Restarted));
        Assert.Equal(builtBefore, view.Current.Version);
    }
}
