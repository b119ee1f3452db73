using Grpc.Core;
using Grpc.Health.V1;
using Kimi.Cluster.AttentionWorker.Services;
using Kimi.Cluster.AttentionWorker.Tests.Support;
using Kimi.Cluster.Contracts.V1;

namespace Kimi.Cluster.AttentionWorker.Tests.Services;

/// <summary>The worker's gRPC surface over a real loopback connection, with a predictable stand-in engine.</summary>
public sealed class WorkerGrpcTests : IAsyncLifetime
{
    private readonly CountingBatchGenerator _generator = new();
    private WorkerServer _server = null!;

    public async Task InitializeAsync() => _server = await WorkerServer.StartAsync(_generator);

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _generator.Dispose();
    }

    [Fact]
    public async Task GetModelInfo_DescribesTheServedModel()
    {
        var info = await _server.Client.GetModelInfoAsync(new GetModelInfoRequest());

        Assert.Equal("fake-model", info.ModelId);
        Assert.Equal(100u, info.VocabSize);
        Assert.Equal(64u, info.MaxPositionEmbeddings);
        Assert.Equal(1_700_000_000, info.Created);
    }

    [Fact]
    public async Task GetStats_ReportsNoDataPlane_WhenTheWorkerRunsItsExpertsInProcess()
    {
        var stats = await _server.Client.GetStatsAsync(new GetStatsRequest());

        Assert.False(stats.ExpertParallel);
        Assert.Empty(stats.Shards);
        Assert.Equal(0ul, stats.LayerExchanges);
        Assert.Equal(0ul, stats.BytesSent);
    }

    [Fact]
    public async Task Generate_StreamsTokensThenAFinalMessage()
    {
        var responses = await Calls.GenerateAllAsync(_server.Client, Calls.Greedy(4, 1, 2, 30));

        Assert.Equal([31, 32, 33, 34], Calls.TokenIds(responses));
        Assert.Equal(3u, responses[0].PromptTokens);
        Assert.All(responses.Skip(1), response => Assert.Equal(0u, response.PromptTokens));
        Assert.Equal(FinishReason.Length, responses[^1].FinishReason);
        Assert.All(responses[..^1], response => Assert.Equal(FinishReason.Unspecified, response.FinishReason));
    }

    [Fact]
    public async Task Logprobs_ComeWithTheAskedNumberOfAlternatives()
    {
        var request = Calls.Greedy(2, 5);
        request.Logprobs = 3;

        var responses = await Calls.GenerateAllAsync(_server.Client, request);

        var tokens = responses.SelectMany(response => response.Tokens).ToList();
        Assert.Equal(2, tokens.Count);
        Assert.All(tokens, token => Assert.Equal(3, token.TopLogprobs.Count));
    }

    [Fact]
    public async Task Generate_RefusesWithTheFieldInATrailer_WhenTheRequestIsInvalid()
    {
        var request = Calls.Greedy(4, 1, 500);

        var error = await Assert.ThrowsAsync<RpcException>(() => Calls.GenerateAllAsync(_server.Client, request));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("prompt_token_ids", error.Trailers.GetValue(WorkerErrors.InvalidFieldTrailer));
        Assert.Contains("500", error.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(_generator.BatchSizes);
    }

    [Fact]
    public async Task Generate_RefusesAsInvalidArgumentNamingThePenalty_WhenAPenaltyIsOutOfRange()
    {
        var request = Calls.Greedy(4, 1, 2);
        request.Sampling.FrequencyPenalty = 2.5f;

        var error = await Assert.ThrowsAsync<RpcException>(() => Calls.GenerateAllAsync(_server.Client, request));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("frequency_penalty", error.Trailers.GetValue(WorkerErrors.InvalidFieldTrailer));
        Assert.Contains("frequency_penalty", error.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(_generator.BatchSizes);
    }

    [Fact]
    public async Task HealthCheck_ReportsServing()
    {
        var health = new Health.HealthClient(_server.Channel);

        var response = await health.CheckAsync(new HealthCheckRequest());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }
}
