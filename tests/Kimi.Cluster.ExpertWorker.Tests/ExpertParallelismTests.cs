using System.Runtime.InteropServices;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Kimi.Cluster.Abstractions;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.Exchange;
using Kimi.Cluster.Model.RoutedExperts;
using Kimi.Cluster.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Kimi.Cluster.ExpertWorker.Tests;

/// <summary>Real expert worker processes: placement, load accounting, and the data plane's answers and errors.</summary>
[Trait("Needs", "Processes")]
public sealed class ExpertParallelismTests(ExpertWorkerClusterFixture fixture) : IClassFixture<ExpertWorkerClusterFixture>
{
    private const int MoeLayer = 1; // the tiny model's first MoE layer
    private static readonly ModelSource Tiny = new(null);

    private async Task<PlacementTable> TableAsync() =>
        await fixture.Cluster.Client.GetGrain<IPlacementTableGrain>(0).GetTable();

    /// <summary>The data plane as an attention worker calls it, with the cluster credential.</summary>
    private ExpertDataPlane.ExpertDataPlaneClient DataPlane(string endpoint) =>
        new(GrpcChannel.ForAddress(endpoint).Intercept(new ClusterCredentialOptions(fixture.Cluster.Credential).AddTo));

    [Fact]
    public async Task Exchange_IsRefusedUnauthenticated_WithoutTheClusterCredential()
    {
        var table = await TableAsync();

        using var call = new ExpertDataPlane.ExpertDataPlaneClient(GrpcChannel.ForAddress(table.Shards[0].Endpoints[0])).Exchange();
        // The call's headers go out as it starts, and the worker refuses it on them, before any batch:
        // the refusal is read from the response. A batch written first raced that refusal, and the
        // write could fail as Cancelled (the stream already reset) instead (once in a clean-clone run).
        // A worker that let the call in would wait for a batch: bounded, that fails as Cancelled.
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var error = await Assert.ThrowsAsync<RpcException>(async () => await call.ResponseStream.MoveNext(bound.Token));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Contains("cluster credential", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GrainCall_IsRefused_WithoutTheClusterCredential()
    {
        using var stranger = Host.CreateDefaultBuilder()
            .UseOrleansClient(client => client.UseLocalhostClustering([.. fixture.Cluster.GatewayPorts], ClusterIdentity.ServiceId, ClusterIdentity.ClusterId))
            .Build();
        await stranger.StartAsync();
        try
        {
            var grain = stranger.Services.GetRequiredService<IClusterClient>().GetGrain<IPlacementTableGrain>(0);

            var error = await Assert.ThrowsAsync<UnauthorizedAccessException>(async () => await grain.GetTable());

            Assert.Contains("cluster credential", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            await stranger.StopAsync(TimeSpan.FromSeconds(5));
        }
    }

    [Fact]
    public async Task Placement_SpreadsShardsEvenly_OverTheWorkers()
    {
        var table = await TableAsync();
        Assert.Equal(ExpertWorkerClusterFixture.Shards, table.Shards.Length);
        Assert.All(table.Shards, s => Assert.Single(s.Endpoints));
        Assert.Equal([0, 4, 8, 12], table.Shards.Select(s => s.ExpertIds[0]));
        Assert.All(table.Shards, s => Assert.Equal(Enumerable.Range(s.ExpertIds[0], 4), s.ExpertIds));
        var perWorker = table.Shards.GroupBy(s => s.Endpoints[0]).Select(g => g.Count()).ToArray();
        Assert.Equal([2, 2], perWorker);
        Assert.Equal(table.Version, (await TableAsync()).Version);
    }

    [Fact]
    public async Task OnlyTheOwningWorker_LoadsAnExpertsTensors()
    {
        var table = await TableAsync();
        var loadedBy = new Dictionary<string, int>();
        foreach (string endpoint in fixture.Cluster.DataPlaneEndpoints)
        {
            var report = await DataPlane(endpoint).GetLoadReportAsync(new LoadReportRequest());
            var ownShards = table.Shards.Where(s => s.Endpoints.Contains(endpoint)).Select(s => (uint)s.Shard).Order();
            Assert.Equal(ownShards, report.Shards.Select(s => s.Shard).Order());
            foreach (var name in report.Shards.SelectMany(s => s.TensorNames))
                loadedBy[name] = loadedBy.GetValueOrDefault(name) + 1;
        }
        int moeLayers = Enumerable.Range(0, Tiny.Config.NumHiddenLayers).Count(Tiny.Config.IsMoeLayer);
        Assert.Equal(moeLayers * Tiny.Config.NRoutedExperts * 3, loadedBy.Count);
        Assert.All(loadedBy, pair => Assert.Equal(1, pair.Value));
        Assert.All(loadedBy.Keys, name => Assert.Contains(".mlp.experts.", name));
    }

    [Fact]
    public async Task Exchange_ReturnsTheWeightedExpertSums_OfAnInProcessComputation()
    {
        var table = await TableAsync();
        var shard = table.Shards[1];
        int[] experts = [shard.ExpertIds[0], shard.ExpertIds[2], shard.ExpertIds[3]];
        var random = new Random(5);
        float[] x = [.. Enumerable.Range(0, 3 * Tiny.Config.HiddenSize).Select(_ => (float)random.NextDouble() * 2 - 1)];
        // token 0 → experts 0 and 1 of the list, token 1 → expert 2, token 2 → experts 1 and 2.
        uint[] pairsPerToken = [2, 1, 2];
        int[] ids = [experts[0], experts[1], experts[2], experts[1], experts[2]];
        float[] gate = [0.5f, 1.25f, 2f, 0.75f, 0.1f];
        var batch = new ExpertBatch
        {
            CallId = 42, Layer = MoeLayer, HiddenSize = (uint)Tiny.Config.HiddenSize, Dtype = ActivationDType.Float32,
            Hidden = ByteString.CopyFrom(MemoryMarshal.AsBytes(x.AsSpan())), GateWeights = ByteString.CopyFrom(MemoryMarshal.AsBytes(gate.AsSpan())),
        };
        batch.PairsPerToken.AddRange(pairsPerToken);
        batch.ExpertIds.AddRange(ids.Select(i => (uint)i));

        using var call = DataPlane(shard.Endpoints[0]).Exchange();
        await call.RequestStream.WriteAsync(batch);
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var answer = call.ResponseStream.Current;
        await call.RequestStream.CompleteAsync();
        Assert.Equal(42UL, answer.CallId);

        using var group = new ExpertGroup(Tiny.Config, Tiny.OpenWeights(WeightSelection.Whole(Tiny.Config)), experts);
        var expected = group.Compute(new ExpertWork(MoeLayer, Tiny.Config.HiddenSize, x, [2, 1, 2], ids, gate));
        var actual = MemoryMarshal.Cast<byte, float>(answer.PartialSums.Span).ToArray();
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6 + 1e-5 * Math.Abs(expected[i]), $"element {i}: {actual[i]}, expected {expected[i]}");
    }

    [Fact]
    public void ExpertGroup_SaysSoWithItsOwnException_WhenAskedForAnExpertItDoesNotHold()
    {
        using var group = new ExpertGroup(Tiny.Config, Tiny.OpenWeights(WeightSelection.Whole(Tiny.Config)), [0, 1]);
        var work = new ExpertWork(MoeLayer, Tiny.Config.HiddenSize, new float[Tiny.Config.HiddenSize], [1], [5], [1f]);

        var error = Assert.Throws<ExpertNotLoadedException>(() => group.Compute(work));

        Assert.Contains("expert 5 is not loaded here", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hidden_size", StatusCode.InvalidArgument)]
    [InlineData("layer", StatusCode.InvalidArgument)]
    [InlineData("unknown expert", StatusCode.InvalidArgument)]
    [InlineData("not loaded", StatusCode.FailedPrecondition)]
    public async Task Exchange_BadBatch_EndsWithAStatusNamingTheProblem(string problem, StatusCode code)
    {
        var table = await TableAsync();
        string endpoint = table.Shards[0].Endpoints[0];
        int foreignExpert = table.Shards.First(s => !s.Endpoints.Contains(endpoint)).ExpertIds[0];
        int hidden = Tiny.Config.HiddenSize;
        var batch = new ExpertBatch
        {
            CallId = 7, Layer = problem == "layer" ? 0u : MoeLayer, HiddenSize = problem == "hidden_size" ? (uint)hidden + 1 : (uint)hidden,
            Dtype = ActivationDType.Float32, Hidden = ByteString.CopyFrom(new byte[hidden * 4]), GateWeights = ByteString.CopyFrom(new byte[4]),
        };
        batch.PairsPerToken.Add(1);
        batch.ExpertIds.Add(problem switch { "unknown expert" => 999u, "not loaded" => (uint)foreignExpert, _ => (uint)table.Shards[0].ExpertIds[0] });
        using var call = DataPlane(endpoint).Exchange();
        await call.RequestStream.WriteAsync(batch);
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(code, error.StatusCode);
        Assert.Contains(problem == "not loaded" ? "not loaded" : problem, error.Status.Detail);
    }
}
