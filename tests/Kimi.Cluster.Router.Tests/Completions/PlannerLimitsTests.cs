using System.Text.Json;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Router.Api;
using Kimi.Cluster.Router.Completions;
using Kimi.Cluster.Router.Hosting;
using Kimi.Cluster.Router.Text;
using Kimi.Cluster.Router.Worker;

namespace Kimi.Cluster.Router.Tests.Completions;

/// <summary>--max-prompt-tokens and --max-tokens-limit, as the completions planner enforces them.</summary>
public sealed class PlannerLimitsTests
{
    private static readonly ServedModel Model = new(
        new ModelInfo { ModelId = "kimi-tiny", VocabSize = 512, MaxPositionEmbeddings = 64 }, ModelText.TokenIdsOnly);

    private static CompletionRequest Request(string json) => JsonSerializer.Deserialize<CompletionRequest>(json, ApiJson.Options)!;

    [Theory]
    [InlineData("""{"prompt":[1,2,3,4],"max_tokens":2}""", "prompt")]
    [InlineData("""{"prompt":[1],"max_tokens":9}""", "max_tokens")]
    public void Plan_Returns400NamingTheParam_WhenConfiguredLimitsAreExceeded(string json, string param)
    {
        var limits = new RouterLimits { MaxPromptTokens = 3, MaxTokens = 8 };

        var error = Assert.Throws<ApiException>(() => CompletionPlanner.Plan(Request(json), Model, limits));

        Assert.Equal(400, error.StatusCode);
        Assert.Equal(param, error.Param);
    }

    [Theory]
    [InlineData("""{"prompt":[1],"temperature":2.01}""", "temperature")]
    [InlineData("""{"prompt":[1],"temperature":-0.1}""", "temperature")]
    [InlineData("""{"prompt":[1],"top_p":0}""", "top_p")]
    [InlineData("""{"prompt":[1],"top_p":1.01}""", "top_p")]
    [InlineData("""{"prompt":[1],"presence_penalty":-2.5}""", "presence_penalty")]
    [InlineData("""{"prompt":[1],"frequency_penalty":2.5}""", "frequency_penalty")]
    public void Plan_Returns400NamingTheParam_WhenASamplingValueIsOutsideOpenAIsRange(string json, string param)
    {
        var error = Assert.Throws<ApiException>(() => CompletionPlanner.Plan(Request(json), Model, new RouterLimits()));

        Assert.Equal(400, error.StatusCode);
        Assert.Equal(param, error.Param);
    }

    [Theory]
    [InlineData("""{"prompt":[1],"temperature":0,"top_p":1,"presence_penalty":-2,"frequency_penalty":2}""")]
    [InlineData("""{"prompt":[1],"temperature":2,"top_p":0.01}""")]
    public void Plan_AcceptsOpenAIsRangeEnds(string json) =>
        CompletionPlanner.Plan(Request(json), Model, new RouterLimits());

    [Fact]
    public void Plan_LimitsToTheContextLength_WhenNoLimitsAreConfigured()
    {
        var limits = new RouterLimits();

        var plan = CompletionPlanner.Plan(Request("""{"prompt":[1],"max_tokens":63}"""), Model, limits);
        var error = Assert.Throws<ApiException>(() => CompletionPlanner.Plan(Request("""{"prompt":[1],"max_tokens":65}"""), Model, limits));

        Assert.Equal(63u, plan.MaxTokens);
        Assert.Equal("max_tokens", error.Param);
    }
}
