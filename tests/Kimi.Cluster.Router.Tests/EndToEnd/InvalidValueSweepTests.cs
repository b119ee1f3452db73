using System.Text.RegularExpressions;
using Grpc.Core;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Router.Tests.Support;
using Kimi.Cluster.Router.Worker;

namespace Kimi.Cluster.Router.Tests.EndToEnd;

/// <summary>
/// Bad ids and values, sent to every handler of both APIs: each answers invalid-argument (HTTP 400,
/// gRPC INVALID_ARGUMENT) naming exactly one field, the one the client sent, never the worker's
/// own name for it, and never a handler exception.
/// </summary>
[Trait("Needs", "Processes")]
[Collection(ClusterCollection.Name)]
public sealed partial class InvalidValueSweepTests(RouterClusterFixture cluster)
{
    private const int Vocabulary = -100; // stands for "the model's vocabulary size" in the cases below

    private KimiGenerate.KimiGenerateClient Client => new(cluster.Grpc);

    [Theory]
    [InlineData("/v1/completions", """{"prompt":[-1]}""", "prompt")]
    [InlineData("/v1/completions", """{"prompt":[1,-2,3]}""", "prompt")]
    [InlineData("/v1/completions", """{"prompt":[2147483647]}""", "prompt")]
    [InlineData("/v1/completions", """{"prompt":[1],"stop_token_ids":[-1]}""", "stop_token_ids")]
    [InlineData("/v1/completions", """{"prompt":[1],"stop_token_ids":[2147483647]}""", "stop_token_ids")]
    [InlineData("/v1/completions", """{"prompt":[1],"max_tokens":-1}""", "max_tokens")]
    [InlineData("/v1/completions", """{"prompt":[1],"temperature":-1}""", "temperature")]
    [InlineData("/v1/completions", """{"prompt":[1],"temperature":2.5}""", "temperature")]
    [InlineData("/v1/completions", """{"prompt":[1],"top_p":-0.5}""", "top_p")]
    [InlineData("/v1/completions", """{"prompt":[1],"top_k":-5}""", "top_k")]
    [InlineData("/v1/completions", """{"prompt":[1],"logprobs":99}""", "logprobs")]
    [InlineData("/v1/completions", """{"prompt":[1],"presence_penalty":3}""", "presence_penalty")]
    [InlineData("/v1/completions", """{"prompt":[1],"frequency_penalty":-3}""", "frequency_penalty")]
    [InlineData("/v1/completions", """{"prompt":[1],"seed":"x"}""", "seed")]
    [InlineData("/v1/chat/completions", """{"messages":[{"role":"user","content":"hi"}],"max_tokens":-1}""", "max_tokens")]
    [InlineData("/v1/chat/completions", """{"messages":[{"role":"user","content":"hi"}],"temperature":-1}""", "temperature")]
    [InlineData("/v1/chat/completions", """{"messages":[{"role":"user","content":"hi"}],"top_p":7}""", "top_p")]
    [InlineData("/v1/chat/completions", """{"messages":[{"role":"user","content":"hi"}],"logprobs":true,"top_logprobs":21}""", "top_logprobs")]
    [InlineData("/v1/chat/completions", """{"messages":[{"role":"user","content":"hi"}],"presence_penalty":-9}""", "presence_penalty")]
    [InlineData("/v1/chat/completions", """{"messages":[{"role":"user","content":"hi"}],"n":0}""", "n")]
    [InlineData("/v1/chat/completions", """{"messages":[{"role":"user","content":"hi"}],"n":"2"}""", "n")]
    [InlineData("/v1/chat/completions", """{"messages":[{"role":"user","content":"hi"}],"frequency_penalty":2.5}""", "frequency_penalty")]
    [InlineData("/v1/chat/completions", """{"messages":[]}""", "messages")]
    public async Task HttpHandlers_Answer400NamingOneField(string path, string json, string param)
    {
        var (status, body) = await RouterApi.PostRawAsync(cluster.Http, path, json);

        RouterApi.AssertError(status, body, 400, param);
        string message = (string)body["error"]!["message"]!;
        Assert.DoesNotContain("prompt_token_ids", message, StringComparison.Ordinal);
        Assert.DoesNotMatch(TwoFieldPrefixes(), message);
    }

    [Theory]
    [InlineData("token_ids", -1)]
    [InlineData("token_ids", -2)]
    [InlineData("token_ids", Vocabulary)]
    [InlineData("token_ids", int.MaxValue)]
    [InlineData("stop_token_ids", -1)]
    [InlineData("stop_token_ids", Vocabulary)]
    public async Task Generate_RefusesNamingOneField_WhenATokenIdIsBad(string field, int badId)
    {
        var request = new GenerateTextRequest { TokenIds = new TokenIdList(), MaxTokens = 2 };
        int id = badId == Vocabulary ? await VocabularySizeAsync() : badId;
        if (field == "token_ids")
            request.TokenIds.Ids.AddRange([1, id]);
        else
        {
            request.TokenIds.Ids.Add(1);
            request.StopTokenIds.Add(id);
        }

        await AssertInvalidAsync(field, () => DrainAsync(Client.Generate(request)));
    }

    [Theory]
    [InlineData("temperature")]
    [InlineData("top_p")]
    [InlineData("top_k")]
    [InlineData("logprobs")]
    [InlineData("max_tokens")]
    [InlineData("n")]
    [InlineData("stop")]
    public async Task Generate_RefusesNamingOneField_WhenAValueIsBad(string field)
    {
        var request = new GenerateTextRequest { TokenIds = new TokenIdList { Ids = { 1, 2 } }, MaxTokens = 2, Sampling = new GenerateSampling() };
        switch (field)
        {
            case "temperature": request.Sampling.Temperature = -1f; break;
            case "top_p": request.Sampling.TopP = 1.5f; break;
            case "top_k": request.Sampling.TopK = -7; break;
            case "logprobs": request.Logprobs = 21; break;
            case "max_tokens": request.MaxTokens = uint.MaxValue; break;
            case "n": request.N = 2; break;
            case "stop": request.Stop.Add(""); break;
        }

        await AssertInvalidAsync(field, () => DrainAsync(Client.Generate(request)));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(-2)]
    [InlineData(Vocabulary)]
    [InlineData(int.MinValue)]
    public async Task Detokenize_RefusesABadTokenId_WhenAloneOrInAList(int badId)
    {
        int id = badId == Vocabulary ? await VocabularySizeAsync() : badId;

        await AssertInvalidAsync("token_ids", () => Client.DetokenizeAsync(new DetokenizeRequest { TokenIds = { id } }).ResponseAsync);
        await AssertInvalidAsync("token_ids", () => Client.DetokenizeAsync(new DetokenizeRequest { TokenIds = { 1, 2, id, 3 } }).ResponseAsync);
    }

    private static async Task AssertInvalidAsync(string field, Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<RpcException>(call);

        Assert.True(error.StatusCode == StatusCode.InvalidArgument, $"{error.StatusCode}: {error.Status.Detail}");
        Assert.Equal(field, error.Trailers.GetValue(WorkerErrorMapper.InvalidFieldTrailer));
        Assert.StartsWith(field + ": ", error.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotMatch(TwoFieldPrefixes(), error.Status.Detail);
    }

    private static async Task DrainAsync(AsyncServerStreamingCall<GenerateTextResponse> call)
    {
        using (call)
        {
            while (await call.ResponseStream.MoveNext())
            {
            }
        }
    }

    private async Task<int> VocabularySizeAsync() =>
        (int)(await Client.ListModelsAsync(new ListModelsRequest())).Models[0].VocabSize;

    /// <summary>"token_ids: prompt_token_ids: …": a message that names a field twice.</summary>
    [GeneratedRegex(@"^[a-z_]+: [a-z_]+: ")]
    private static partial Regex TwoFieldPrefixes();
}
