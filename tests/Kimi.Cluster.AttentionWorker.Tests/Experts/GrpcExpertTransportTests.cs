using System.Runtime.InteropServices;
using Kimi.Cluster.AttentionWorker.Tests.Support;

namespace Kimi.Cluster.AttentionWorker.Tests.Experts;

/// <summary>The transport over real gRPC to stand-in expert workers: who gets which tokens, what comes back, what is counted.</summary>
public sealed class GrpcExpertTransportTests : IAsyncLifetime
{
    private const int Hidden = 4;
    private StandInDataPlane _first = null!;
    private StandInDataPlane _second = null!;

    public async Task InitializeAsync()
    {
        _first = await StandInDataPlane.StartAsync();
        _second = await StandInDataPlane.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
    }

    [Fact]
    public async Task ExchangeAsync_GivesEachWorkerEachOfItsTokensOnceWithItsPairsAndThePartialsAddUp()
    {
        // Experts 0..3 on the first worker, 4..7 on the second.
        var placement = new FixedPlacement(FixedPlacement.Build(1, 8, [_first.Endpoint], [_second.Endpoint]));
        using var transport = new TransportUnderTest(placement);
        var exchange = Exchanges.Create(layer: 3, Hidden, [[0, 1, 5], [2, 3, 1], [6, 7, 4]]);

        var output = await transport.Transport.ExchangeAsync(exchange, CancellationToken.None);

        Exchanges.AssertClose(Exchanges.Expected(exchange), output);
        var first = Assert.Single(_first.Service.Batches);
        Assert.Equal([2u, 3u], first.PairsPerToken);
        Assert.Equal([0u, 1u, 2u, 3u, 1u], first.ExpertIds);
        Assert.Equal(Rows(exchange, 0, 1), MemoryMarshal.Cast<byte, float>(first.Hidden.Span).ToArray());
        Assert.Equal([0.1f, 0.2f, 0.1f, 0.2f, 0.3f], MemoryMarshal.Cast<byte, float>(first.GateWeights.Span).ToArray());
        var second = Assert.Single(_second.Service.Batches);
        Assert.Equal([1u, 3u], second.PairsPerToken);
        Assert.Equal([5u, 6u, 7u, 4u], second.ExpertIds);
        Assert.Equal(Rows(exchange, 0, 2), MemoryMarshal.Cast<byte, float>(second.Hidden.Span).ToArray());
        Assert.All([first, second], batch => Assert.Equal(3u, batch.Layer));
    }

    [Fact]
    public async Task Counters_CountTokenWorkerPairsAndTheirBytes()
    {
        var placement = new FixedPlacement(FixedPlacement.Build(1, 8, [_first.Endpoint], [_second.Endpoint]));
        using var transport = new TransportUnderTest(placement);

        await transport.Transport.ExchangeAsync(Exchanges.Create(1, Hidden, [[0, 1, 5], [2, 3, 1], [6, 7, 4]]), CancellationToken.None);

        var counters = transport.Counters;
        Assert.Equal(1, counters.LayerExchanges);
        Assert.Equal(2, counters.ExpertBatches);
        Assert.Equal(4, counters.RoutedTokenWorkers);
        Assert.Equal(9, counters.RoutedTokenExperts);
        Assert.Equal(4 * Hidden * sizeof(float), counters.ActivationBytesSent);
        Assert.Equal(4 * Hidden * sizeof(float), counters.ActivationBytesReceived);
        long sent = _first.Service.Batches.Concat(_second.Service.Batches).Sum(b => b.CalculateSize() + 5);
        Assert.Equal(sent, counters.BytesSent);
        Assert.Equal(Hidden, counters.HiddenSize);
    }

    [Fact]
    public async Task ExchangeAsync_CarriesEveryLayerOnOneLongLivedStreamPerWorker()
    {
        var placement = new FixedPlacement(FixedPlacement.Build(1, 8, [_first.Endpoint], [_second.Endpoint]));
        using var transport = new TransportUnderTest(placement);

        for (int layer = 1; layer <= 5; layer++)
            await transport.Transport.ExchangeAsync(Exchanges.Create(layer, Hidden, [[0, 7], [4, 3]]), CancellationToken.None);

        Assert.Equal(1, _first.Service.Streams);
        Assert.Equal(1, _second.Service.Streams);
        Assert.Equal([1u, 2u, 3u, 4u, 5u], _first.Service.Batches.Select(b => b.Layer));
        Assert.Equal(5, _first.Service.Batches.Select(b => b.CallId).Distinct().Count());
    }

    [Fact]
    public async Task ExchangeAsync_SendsNoBatch_WhenAWorkerHasNoneOfTheTokensExperts()
    {
        var placement = new FixedPlacement(FixedPlacement.Build(1, 8, [_first.Endpoint], [_second.Endpoint]));
        using var transport = new TransportUnderTest(placement);
        var exchange = Exchanges.Create(1, Hidden, [[0, 1], [3, 2]]);

        Exchanges.AssertClose(Exchanges.Expected(exchange), await transport.Transport.ExchangeAsync(exchange, CancellationToken.None));

        Assert.Single(_first.Service.Batches);
        Assert.Empty(_second.Service.Batches);
    }

    [Fact]
    public async Task ExchangeAsync_SpreadsReplicatedShardsOverTheirReplicas()
    {
        // Both shards on both workers: each worker should take one shard.
        var placement = new FixedPlacement(FixedPlacement.Build(1, 8, [_first.Endpoint, _second.Endpoint], [_first.Endpoint, _second.Endpoint]));
        using var transport = new TransportUnderTest(placement);
        var exchange = Exchanges.Create(1, Hidden, [[0, 4], [5, 1]]);

        Exchanges.AssertClose(Exchanges.Expected(exchange), await transport.Transport.ExchangeAsync(exchange, CancellationToken.None));

        Assert.Single(_first.Service.Batches);
        Assert.Single(_second.Service.Batches);
    }

    private static float[] Rows(Kimi.Cluster.Model.Exchange.ExpertWork work, params int[] tokens) =>
        [.. tokens.SelectMany(t => work.Hidden.Skip(t * work.HiddenSize).Take(work.HiddenSize))];
}
