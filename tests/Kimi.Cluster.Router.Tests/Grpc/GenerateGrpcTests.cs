using Grpc.Core;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Router.Tests.EndToEnd;
using Kimi.Cluster.Router.Tests.Support;

namespace Kimi.Cluster.Router.Tests.Grpc;

[Trait("Needs", "Processes")]
[Collection(ClusterCollection.Name)]
public sealed class GenerateGrpcTests(RouterClusterFixture cluster)
{
    private static readonly int[] Prompt = [1, 5, 9];

    private KimiGenerate.KimiGenerateClient Client => new(cluster.Grpc);

    [Fact]
    public async Task Generate_StreamsChunksThenOneFinalMessageWithUsage()
    {
        var responses = await ReadAllAsync(Client.Generate(Greedy(10)));

        var final = Assert.Single(responses, r => r.KindCase == GenerateTextResponse.KindOneofCase.Complete).Complete;
        Assert.Equal(GenerateTextResponse.KindOneofCase.Complete, responses[^1].KindCase);
        Assert.Equal(FinishReason.Length, final.FinishReason);
        Assert.Equal((uint)Prompt.Length, final.Usage.PromptTokens);
        Assert.Equal(10u, final.Usage.CompletionTokens);
        Assert.Equal(10, TokenIds(responses).Count);
        Assert.All(responses[..^1], r => Assert.Empty(r.Chunk.Logprobs));
    }

    [Fact]
    public async Task Generate_GreedyTokensEqualThoseOfTheHttpCompletion()
    {
        var expected = GreedyReference.TokenIds(await GreedyReference.GreedyTextAsync(cluster.Http, Prompt, 10));

        var responses = await ReadAllAsync(Client.Generate(Greedy(10)));

        Assert.Equal(expected, TokenIds(responses));
    }

    [Fact]
    public async Task Generate_SendsLogprobsOnePerToken_WhenAskedFor()
    {
        var request = Greedy(4);
        request.Logprobs = 2;

        var chunks = (await ReadAllAsync(Client.Generate(request))).Where(r => r.Chunk is not null).Select(r => r.Chunk).ToList();

        Assert.All(chunks, chunk => Assert.Equal(chunk.TokenIds, chunk.Logprobs.Select(l => l.TokenId)));
        Assert.All(chunks.SelectMany(c => c.Logprobs), l => Assert.Equal(2, l.TopLogprobs.Count));
    }

    [Fact]
    public async Task Generate_EndsWithFinishReasonStop_WhenAStopTokenIdIsGenerated()
    {
        var greedy = TokenIds(await ReadAllAsync(Client.Generate(Greedy(10))));
        var request = Greedy(10);
        request.StopTokenIds.Add(greedy[3]);

        var responses = await ReadAllAsync(Client.Generate(request));

        Assert.Equal(FinishReason.Stop, responses[^1].Complete.FinishReason);
        Assert.True(TokenIds(responses).Count <= 4, string.Join(",", TokenIds(responses)));
    }

    [Fact]
    public async Task Abort_CancelsTheRequestInFlight()
    {
        var request = Greedy(await LongMaxTokensAsync());
        request.RequestId = "grpc-abort-" + Guid.NewGuid().ToString("N");
        using var call = Client.Generate(request);
        Assert.True(await call.ResponseStream.MoveNext());
        Assert.Equal(request.RequestId, (await call.ResponseHeadersAsync).GetValue("kimi-request-id"));

        var abort = await Client.AbortAsync(new AbortRequest { RequestId = request.RequestId });

        Assert.True(abort.Found);
        var error = await Assert.ThrowsAsync<RpcException>(() => ReadAllAsync(call));
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        Assert.False((await Client.AbortAsync(new AbortRequest { RequestId = request.RequestId })).Found);
    }

    [Fact]
    public async Task Generate_EndsWithDeadlineExceeded_WhenTheDeadlineIsTooShort()
    {
        var request = Greedy(await LongMaxTokensAsync());
        // A fraction of the whole generation (over a thousand decode steps of the built-in model:
        // about 120 ms in process and 200 ms through the router here), so it passes mid-stream. A
        // deadline of 200 ms was sometimes met once decode steps got faster, and the call then
        // ended without an error; one of 10 ms could pass before the worker call had started.
        using var call = Client.Generate(request, deadline: DateTime.UtcNow.AddMilliseconds(50));

        var error = await Assert.ThrowsAsync<RpcException>(() => ReadAllAsync(call));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
    }

    [Theory]
    [InlineData("input")]
    [InlineData("token_ids")]
    [InlineData("n")]
    [InlineData("temperature")]
    public async Task Generate_ReturnsInvalidArgumentNamingTheField_WhenAParamIsInvalid(string field)
    {
        var request = Greedy(4);
        switch (field)
        {
            case "input": request.ClearInput(); break;
            case "token_ids": request.TokenIds = new TokenIdList(); break;
            case "n": request.N = 2; break;
            default: request.Sampling.Temperature = -1; break;
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => ReadAllAsync(Client.Generate(request)));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(field, error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(field, error.Trailers.GetValue("kimi-invalid-field"));
    }

    [Fact]
    public async Task Generate_ReturnsNotFound_WhenTheRequestNamesAnotherModel()
    {
        var request = Greedy(4);
        request.Model = "no-such-model";

        var error = await Assert.ThrowsAsync<RpcException>(() => ReadAllAsync(Client.Generate(request)));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    private static GenerateTextRequest Greedy(uint maxTokens)
    {
        var request = new GenerateTextRequest
        {
            TokenIds = new TokenIdList(),
            Sampling = new GenerateSampling { Temperature = 0 },
            MaxTokens = maxTokens,
            IgnoreEos = true,
        };
        request.TokenIds.Ids.AddRange(Prompt);
        return request;
    }

    /// <summary>As many tokens as the context allows: generation that lasts long enough to abort.</summary>
    private async Task<uint> LongMaxTokensAsync()
    {
        var models = await Client.ListModelsAsync(new ListModelsRequest());
        return models.Models[0].MaxContextLength - (uint)Prompt.Length;
    }

    private static async Task<List<GenerateTextResponse>> ReadAllAsync(AsyncServerStreamingCall<GenerateTextResponse> call)
    {
        using (call)
        {
            var responses = new List<GenerateTextResponse>();
            await foreach (var response in call.ResponseStream.ReadAllAsync())
                responses.Add(response);
            return responses;
        }
    }

    private static List<int> TokenIds(List<GenerateTextResponse> responses) =>
        [.. responses.Where(r => r.Chunk is not null).SelectMany(r => r.Chunk.TokenIds)];
}
