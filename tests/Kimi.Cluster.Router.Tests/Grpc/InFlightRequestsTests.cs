using Kimi.Cluster.Router.Grpc;

namespace Kimi.Cluster.Router.Tests.Grpc;

public sealed class InFlightRequestsTests
{
    [Fact]
    public void Abort_CancelsTheRegisteredRequestAndMarksItAborted()
    {
        var requests = new InFlightRequests();
        using var entry = requests.TryRegister("a", CancellationToken.None)!;

        Assert.True(requests.Abort("a"));

        Assert.True(entry.Token.IsCancellationRequested);
        Assert.True(entry.WasAborted);
    }

    [Fact]
    public void Abort_FindsNothing_WhenTheRequestWasAbortedAlready_EvenBeforeItsCallCleanedUp()
    {
        var requests = new InFlightRequests();
        using var entry = requests.TryRegister("a", CancellationToken.None)!; // not disposed yet: the call is still unwinding

        Assert.True(requests.Abort("a"));

        Assert.False(requests.Abort("a"));
        Assert.Equal(0, requests.Count);
    }

    [Fact]
    public void Abort_FindsNothing_WhenTheIdIsUnknown()
    {
        Assert.False(new InFlightRequests().Abort("missing"));
    }

    [Fact]
    public void TryRegister_RefusesASecondRequestWithTheSameId_WhenTheFirstIsInFlight()
    {
        var requests = new InFlightRequests();
        using var first = requests.TryRegister("a", CancellationToken.None);

        Assert.Null(requests.TryRegister("a", CancellationToken.None));
        Assert.Equal(1, requests.Count);
    }

    [Fact]
    public void Dispose_UnregistersTheEntryAndFreesTheId()
    {
        var requests = new InFlightRequests();
        requests.TryRegister("a", CancellationToken.None)!.Dispose();

        Assert.Equal(0, requests.Count);
        Assert.False(requests.Abort("a"));
        using var again = requests.TryRegister("a", CancellationToken.None);
        Assert.NotNull(again);
    }

    [Fact]
    public void Entry_IsCancelledWithoutBeingMarkedAborted_WhenTheCallCancels()
    {
        using var call = new CancellationTokenSource();
        using var entry = new InFlightRequests().TryRegister("a", call.Token)!;

        call.Cancel();

        Assert.True(entry.Token.IsCancellationRequested);
        Assert.False(entry.WasAborted);
    }
}
