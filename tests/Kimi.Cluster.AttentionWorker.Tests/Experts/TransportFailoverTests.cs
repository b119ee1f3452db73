using Kimi.Cluster.AttentionWorker.Experts;
using Kimi.Cluster.AttentionWorker.Tests.Support;

namespace Kimi.Cluster.AttentionWorker.Tests.Experts;

/// <summary>
/// What the transport does when an expert worker is gone, hangs, refuses, or no longer holds an
/// expert: fail over, re-read placement, route again by the newer table, or fail loudly.
/// </summary>
public sealed class TransportFailoverTests : IAsyncLifetime
{
    private const int Hidden = 4;
    private readonly string _dead = StandInDataPlane.DeadEndpoint();
    private StandInDataPlane _live = null!;

    public async Task InitializeAsync() => _live = await StandInDataPlane.StartAsync();

    public async Task DisposeAsync() => await _live.DisposeAsync();

    [Fact]
    public async Task ExchangeAsync_SendsTheWorkToTheOtherReplicaAndReportsTheFailure_WhenAReplicaIsDead()
    {
        // The dead replica is listed first, so it is the one chosen first.
        var placement = new FixedPlacement(FixedPlacement.Build(1, 8, [_dead, _live.Endpoint]));
        using var transport = new TransportUnderTest(placement);
        var exchange = Exchanges.Create(2, Hidden, [[0, 5], [7, 1]]);

        var output = await transport.Transport.ExchangeAsync(exchange, CancellationToken.None);

        Exchanges.AssertClose(Exchanges.Expected(exchange), output);
        Assert.Equal(1, transport.Counters.Failovers);
        Assert.True(transport.Placement.IsBad(_dead));
        await placement.FirstReport.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal([_dead], placement.ReportedFailures);
        // The next layer avoids the dead replica straight away.
        await transport.Transport.ExchangeAsync(exchange, CancellationToken.None);
        Assert.Equal(1, transport.Counters.Failovers);
    }

    [Fact]
    public async Task ExchangeAsync_CountsTheWorkerAsFailed_WhenItDoesNotAnswerWithinTheCallTimeout()
    {
        await using var hung = await StandInDataPlane.StartAsync();
        var placement = new FixedPlacement(FixedPlacement.Build(1, 8, [hung.Endpoint, _live.Endpoint]));
        // Long enough that a loaded two-core machine still delivers the batch on the open stream
        // before it runs out (300 ms did not, once, in CI); the test waits it out once, on the hang.
        using var transport = new TransportUnderTest(placement, callTimeout: TimeSpan.FromSeconds(3));
        var exchange = Exchanges.Create(1, Hidden, [[0, 1]]);
        // One answered exchange first opens the stream to the first replica, so that on a busy
        // machine the next batch reaches it within the call timeout instead of being cut off
        // while the connection is still being made.
        await transport.Transport.ExchangeAsync(exchange, CancellationToken.None);
        Assert.Single(hung.Service.Batches);
        hung.Service.Mode = StandInDataPlaneService.Behaviour.Hang;

        var output = await transport.Transport.ExchangeAsync(exchange, CancellationToken.None);

        // The hung worker had the batch and never answered; the live one computed it after the failover.
        Exchanges.AssertClose(Exchanges.Expected(exchange), output);
        Assert.Equal(2, hung.Service.Batches.Count);
        Assert.Single(_live.Service.Batches);
        Assert.Equal(1, transport.Counters.Failovers);
        Assert.True(transport.Placement.IsBad(hung.Endpoint));
    }

    [Fact]
    public async Task ExchangeAsync_AbandonsTheLayerAtOnceInsteadOfWaitingOutTheCallTimeout_WhenTheStepIsCancelled()
    {
        await using var hung = await StandInDataPlane.StartAsync();
        hung.Service.Mode = StandInDataPlaneService.Behaviour.Hang;
        var placement = new FixedPlacement(FixedPlacement.Build(1, 8, [hung.Endpoint]));
        using var transport = new TransportUnderTest(placement, callTimeout: TimeSpan.FromMinutes(5));
        using var step = new CancellationTokenSource();

        var exchange = transport.Transport.ExchangeAsync(Exchanges.Create(1, Hidden, [[0, 1]]), step.Token);
        await hung.Service.FirstBatch.WaitAsync(TimeSpan.FromSeconds(30));
        await step.CancelAsync();

        // Well inside the 5-minute call timeout: the layer ends because the step was cancelled.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => exchange.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, transport.Counters.Failovers); // cancelled, not failed: no other replica is tried
    }

    [Fact]
    public async Task ExchangeAsync_SendsThePairsWhereTheRereadTablePutsThem_WhenThereIsNoOtherReplica()
    {
        var before = FixedPlacement.Build(1, 8, [_dead], [_live.Endpoint]);
        var after = FixedPlacement.Build(2, 8, [_live.Endpoint], [_live.Endpoint]);
        var placement = new FixedPlacement(before, after);
        using var transport = new TransportUnderTest(placement);
        var exchange = Exchanges.Create(4, Hidden, [[0, 5], [7, 1], [2, 3]]);

        var output = await transport.Transport.ExchangeAsync(exchange, CancellationToken.None);

        Exchanges.AssertClose(Exchanges.Expected(exchange), output);
        Assert.Equal(2, transport.Placement.Current.Version);
        Assert.Equal([_dead], placement.ReportedFailures);
    }

    [Fact]
    public async Task ExchangeAsync_FailsTheLayerNamingItAndTheWorkersTried_WhenTheAttemptLimitIsReached()
    {
        var placement = new FixedPlacement(FixedPlacement.Build(1, 8, [_dead]));
        using var transport = new TransportUnderTest(placement);

        var error = await Assert.ThrowsAsync<ExpertExchangeException>(
            () => transport.Transport.ExchangeAsync(Exchanges.Create(7, Hidden, [[0, 1]]), CancellationToken.None));

        Assert.Contains("MoE layer 7", error.Message, StringComparison.Ordinal);
        Assert.Contains(_dead, error.Message, StringComparison.Ordinal);
        Assert.Contains($"{ExpertTransportOptions.DefaultMaxAttempts} attempt(s)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExchangeAsync_DoesNotSendTheBatchAgain_WhenTheWorkerRefusesItAsInvalid()
    {
        await using var refusing = await StandInDataPlane.StartAsync();
        refusing.Service.Mode = StandInDataPlaneService.Behaviour.Refuse;
        var placement = new FixedPlacement(FixedPlacement.Build(1, 8, [refusing.Endpoint, _live.Endpoint]));
        using var transport = new TransportUnderTest(placement);

        var error = await Assert.ThrowsAsync<ExpertExchangeException>(
            () => transport.Transport.ExchangeAsync(Exchanges.Create(5, Hidden, [[0, 1]]), CancellationToken.None));

        Assert.Contains("MoE layer 5", error.Message, StringComparison.Ordinal);
        Assert.Contains("refused by the stand-in", error.Message, StringComparison.Ordinal);
        Assert.Empty(_live.Service.Batches);
    }

    [Fact]
    public async Task ExchangeAsync_RoutesAgainByTheRereadTableWithoutAFailover_WhenTheWorkerNoLongerHoldsTheExpert()
    {
        await using var moved = await StandInDataPlane.StartAsync();
        moved.Service.Mode = StandInDataPlaneService.Behaviour.NotLoaded;
        // v1 sends experts 0-3 to the worker they moved away from; v2 (what placement says now) has all of them on the live one.
        var placement = new FixedPlacement(FixedPlacement.Build(1, 8, [moved.Endpoint], [_live.Endpoint]))
        {
            Latest = FixedPlacement.Build(2, 8, [_live.Endpoint], [_live.Endpoint]),
        };
        using var transport = new TransportUnderTest(placement);
        var exchange = Exchanges.Create(3, Hidden, [[0, 5], [7, 1], [2]]);

        var output = await transport.Transport.ExchangeAsync(exchange, CancellationToken.None);

        Exchanges.AssertClose(Exchanges.Expected(exchange), output);
        Assert.Equal(2, transport.Placement.Current.Version);
        Assert.Single(moved.Service.Batches);
        Assert.Equal([0, 1, 2, 5, 7], _live.Service.Batches.SelectMany(b => b.ExpertIds).Select(e => (int)e).Order());
        Assert.False(transport.Placement.IsBad(moved.Endpoint));
        Assert.Equal(0, transport.Counters.Failovers);
        Assert.Empty(placement.ReportedFailures);
        Assert.Equal(1, placement.TableReads);
    }

    [Fact]
    public async Task ExchangeAsync_FailsOverAndReportsTheWorker_WhenItNoLongerHoldsTheExpertAndPlacementHasNothingNewer()
    {
        await using var moved = await StandInDataPlane.StartAsync();
        moved.Service.Mode = StandInDataPlaneService.Behaviour.NotLoaded;
        var placement = new FixedPlacement(FixedPlacement.Build(1, 8, [moved.Endpoint]));
        using var transport = new TransportUnderTest(placement);

        var error = await Assert.ThrowsAsync<ExpertExchangeException>(
            () => transport.Transport.ExchangeAsync(Exchanges.Create(4, Hidden, [[0, 1]]), CancellationToken.None));

        Assert.Contains("MoE layer 4", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{ExpertTransportOptions.DefaultMaxAttempts} attempt(s)", error.Message, StringComparison.Ordinal);
        // Each attempt asks it again for the loading patience (a batch every 0.2 s) before giving up on it.
        int perAttempt = (int)(TransportUnderTest.LoadingPatience / ExpertTransportOptions.LoadingRetryDelay) + 1;
        Assert.InRange(moved.Service.Batches.Count, ExpertTransportOptions.DefaultMaxAttempts + 1, perAttempt * ExpertTransportOptions.DefaultMaxAttempts);
        // No newer table explains it and it never loads the experts (a replica migrated off the
        // worker, say): a failure like any other, so placement hears of it and rebuilds.
        Assert.Equal(ExpertTransportOptions.DefaultMaxAttempts - 1, transport.Counters.Failovers);
        Assert.Contains(moved.Endpoint, placement.ReportedFailures);
    }

    [Fact]
    public async Task ExchangeAsync_AsksTheWorkerAgainWithoutAFailover_WhileItLoadsTheExpertsTheNewestTableGivesIt()
    {
        // Placement put the shard on this worker when its other replicas died; its first answers say
        // it does not hold the experts yet, then it has loaded them.
        await using var loading = await StandInDataPlane.StartAsync();
        loading.Service.LoadingBatches = 2;
        var placement = new FixedPlacement(FixedPlacement.Build(1, 8, [loading.Endpoint]));
        using var transport = new TransportUnderTest(placement);
        var exchange = Exchanges.Create(5, Hidden, [[0, 5], [7, 1]]);

        var output = await transport.Transport.ExchangeAsync(exchange, CancellationToken.None);

        Exchanges.AssertClose(Exchanges.Expected(exchange), output);
        Assert.Equal(3, loading.Service.Batches.Count);
        Assert.Equal(0, transport.Counters.Failovers);
        Assert.False(transport.Placement.IsBad(loading.Endpoint));
        Assert.Empty(placement.ReportedFailures);
    }
}
