using Kimi.Cluster.Router.Generation;
using Kimi.Cluster.Router.Text;
using Kimi.Cluster.Router.Worker;
using System.Text.Json;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Router.Api;
using Kimi.Cluster.Router.Completions;

namespace Kimi.Cluster.Router.Tests.Completions;

public sealed class CompletionPlannerTests
{
    private static readonly ServedModel Model = new(
        new ModelInfo { ModelId = "kimi-tiny", VocabSize = 512, MaxPositionEmbeddings = 1024 }, ModelText.TokenIdsOnly);

    [Fact]
    public void Plan_DefaultsFollowOpenAi()
    {
        var plan = CompletionPlanner.Plan(Request("""{"prompt":[1,2]}"""), Model);

        Assert.Equal([1, 2], plan.PromptTokenIds);
        Assert.Equal(16u, plan.MaxTokens);
        Assert.Equal(1f, plan.Temperature);
        Assert.Equal(1f, plan.TopP);
        Assert.Equal(1, plan.Choices);
        Assert.Null(plan.Logprobs);
        Assert.False(plan.Stream);
        Assert.Empty(plan.Stop);
    }

    [Fact]
    public void Plan_GivesTheChoicesConsecutiveSeeds()
    {
        var plan = CompletionPlanner.Plan(Request("""{"prompt":[1],"n":3,"seed":10,"stop":"x","logprobs":2}"""), Model);

        var requests = Enumerable.Range(0, 3).Select(i => WorkerRequestFactory.Create(plan, i, "cmpl-1")).ToList();

        Assert.Equal([10ul, 11ul, 12ul], requests.Select(request => request.Sampling.Seed));
        Assert.All(requests, request => Assert.Equal(2u, request.Logprobs));
    }

    [Theory]
    [InlineData("""{"prompt":[1],"model":"other"}""", 404, "model")]
    [InlineData("""{"prompt":[1],"echo":true}""", 400, "echo")]
    [InlineData("""{"prompt":[1],"max_tokens":0}""", 400, "max_tokens")]
    [InlineData("""{"prompt":[1],"n":17}""", 400, "n")]
    [InlineData("""{"prompt":[1],"logprobs":-1}""", 400, "logprobs")]
    [InlineData("""{"prompt":[1],"stop":7}""", 400, "stop")]
    [InlineData("""{"prompt":[1],"stream_options":{"include_usage":true}}""", 400, "stream_options")]
    public void Plan_RefusalsNameTheParam(string json, int status, string param)
    {
        var error = Assert.Throws<ApiException>(() => CompletionPlanner.Plan(Request(json), Model));

        Assert.Equal(status, error.StatusCode);
        Assert.Equal(param, error.Param);
    }

    [Theory]
    [InlineData("$.max_tokens", "max_tokens")]
    [InlineData("$.stop_token_ids[2]", "stop_token_ids")]
    [InlineData("$.stream_options.include_usage", "stream_options")]
    [InlineData("$", null)]
    [InlineData(null, null)]
    public void ParamOf_NamesTheTopLevelFieldOfJsonErrors(string? path, string? param) =>
        Assert.Equal(param, RequestBodyReader.ParamOf(path));

    private static CompletionRequest Request(string json) =>
        JsonSerializer.Deserialize<CompletionRequest>(json, ApiJson.Options)!;
}
