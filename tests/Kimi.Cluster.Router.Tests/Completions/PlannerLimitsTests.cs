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
