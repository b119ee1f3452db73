using System.Text.Json;
using Kimi.Cluster.Router.Api;
using Kimi.Cluster.Router.Chat;

namespace Kimi.Cluster.Router.Tests.Chat;

/// <summary>--enforce-kimi-sampling: K2.5's fixed sampling values pass, any other is refused naming its parameter.</summary>
public sealed class KimiSamplingRuleTests
{
    [Theory]
    [InlineData("{}", true)]
    [InlineData("{}", false)]
    [InlineData("""{"temperature": 1.0, "top_p": 0.95, "presence_penalty": 0, "frequency_penalty": 0, "n": 1}""", true)]
    [InlineData("""{"temperature": 0.6, "top_p": 0.95, "presence_penalty": 0.0, "frequency_penalty": 0, "n": 1}""", false)]
    public void Check_AcceptsTheFixedValuesOrNone(string sampling, bool thinking) =>
        KimiSamplingRule.Check(Request(sampling), thinking);

    [Theory]
    [InlineData("""{"temperature": 0.6}""", true, "temperature")]
    [InlineData("""{"temperature": 1.0}""", false, "temperature")]
    [InlineData("""{"temperature": 0.5}""", false, "temperature")]
    [InlineData("""{"top_p": 0.8}""", true, "top_p")]
    [InlineData("""{"top_p": 1}""", false, "top_p")]
    [InlineData("""{"presence_penalty": 0.5}""", true, "presence_penalty")]
    [InlineData("""{"frequency_penalty": -0.5}""", false, "frequency_penalty")]
    [InlineData("""{"n": 2}""", true, "n")]
    public void Check_RefusesNamingTheParam_WhenAValueDiffersFromTheFixedOne(string sampling, bool thinking, string param)
    {
        var error = Assert.Throws<ApiException>(() => KimiSamplingRule.Check(Request(sampling), thinking));

        Assert.Equal(400, error.StatusCode);
        Assert.Equal(param, error.Param);
        Assert.Contains("fixed", error.Message, StringComparison.Ordinal);
    }

    private static ChatCompletionRequest Request(string sampling)
    {
        var json = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(sampling)!;
        json["messages"] = JsonSerializer.SerializeToElement(new[] { new { role = "user", content = "hi" } });
        return JsonSerializer.Deserialize<ChatCompletionRequest>(JsonSerializer.Serialize(json), ApiJson.Options)!;
    }
}
