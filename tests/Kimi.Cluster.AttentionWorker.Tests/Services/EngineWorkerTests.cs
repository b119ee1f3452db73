using Kimi.Cluster.AttentionWorker.Generation;
using Kimi.Cluster.AttentionWorker.Tests.Support;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Model.Checkpoints;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kimi.Cluster.AttentionWorker.Tests.Services;

/// <summary>The worker's gRPC host in front of the real engine with the built-in tiny model.</summary>
public sealed class EngineWorkerTests : IAsyncLifetime
{
    private EngineBatchGenerator _generator = null!;
    private WorkerServer _server = null!;

    public async Task InitializeAsync()
    {
        _generator = EngineBatchGenerator.Load(new ModelSource(null), NullLogger.Instance);
        _server = await WorkerServer.StartAsync(_generator);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _generator.Dispose();
    }

    [Fact]
    public async Task TinyModel_GeneratesTheSameGreedyTokens_WhenIdenticalRequestsRunConcurrently()
    {
        var request = Calls.Greedy(6, 1, 20, 300);
        request.IgnoreEos = true;

        var both = await Task.WhenAll(
            Calls.GenerateAllAsync(_server.Client, request), Calls.GenerateAllAsync(_server.Client, request));

        var first = Calls.TokenIds(both[0]);
        Assert.Equal(6, first.Count);
        Assert.All(first, id => Assert.InRange(id, 0, (int)_generator.Model.VocabSize - 1));
        Assert.Equal(first, Calls.TokenIds(both[1]));
        Assert.Equal(FinishReason.Length, both[0][^1].FinishReason);
        Assert.Equal(3u, both[0][0].PromptTokens);
    }

    [Fact]
    public async Task GetModelInfo_NamesTheTinyModel()
    {
        var info = await _server.Client.GetModelInfoAsync(new GetModelInfoRequest());

        Assert.Equal("kimi-tiny", info.ModelId);
        Assert.True(info.VocabSize > 0);
    }
}
