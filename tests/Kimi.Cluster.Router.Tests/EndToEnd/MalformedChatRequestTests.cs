using System.Text;
using System.Text.Json.Nodes;
using Kimi.Cluster.Router.Tests.Support;

namespace Kimi.Cluster.Router.Tests.EndToEnd;

/// <summary>
/// Malformed chat requests get the documented 4xx with an OpenAI error body
/// {"error": {"message", "type", "param", "code"}}, and the router stays healthy after each.
/// </summary>
[Trait("Needs", "Processes")]
[Collection(ScriptedClusterCollection.Name)]
public sealed class MalformedChatRequestTests(ScriptedClusterFixture cluster)
{
    private const string Path = "/v1/chat/completions";
    private const string Valid = """{"messages":[{"role":"user","content":"hi"}],"max_tokens":2}""";

    /// <summary>Body, expected status, and the param the error must name (null: not checked).</summary>
    [Theory]
    [InlineData("""{"messages": [""", 400, null)]
    [InlineData("""not json at all""", 400, null)]
    [InlineData("""{"messages":"hi"}""", 400, "messages")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"max_tokens":"many"}""", 400, "max_tokens")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"temperature":"hot"}""", 400, "temperature")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"max_tokens":-1}""", 400, "max_tokens")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"max_completion_tokens":0}""", 400, null)]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"frobnicate":1}""", 400, "frobnicate")]
    [InlineData("""{"messages":[]}""", 400, "messages")]
    [InlineData("""{"messages":[{"content":"hi"}]}""", 400, "messages")]
    [InlineData("""{"messages":[{"role":"wizard","content":"hi"}]}""", 400, "messages")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"},{"role":"tool","content":"Sunny"}]}""", 400, null)]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"n":0}""", 400, null)]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"logprobs":true,"top_logprobs":21}""", 400, "top_logprobs")]
    [InlineData("""{"model":"no-such-model","messages":[{"role":"user","content":"hi"}]}""", 404, null)]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"tool_choice":"required"}""", 400, "tool_choice")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":{"type":"function","function":{"name":"g"}}}""", 400, "tool_choice")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"zip":{"type":"string","pattern":"^(?!0)[0-9]{5}$"}}}}}],"tool_choice":"required"}""", 400, "tools")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"response_format":{"type":"xml"}}""", 400, "response_format")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema","json_schema":{"name":"s"}}}""", 400, "response_format")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema","json_schema":{"name":"s","schema":{"type":"string","format":"email"}}}}""", 400, "response_format")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_object"},"ignore_eos":true}""", 400, "ignore_eos")]
    public async Task ChatCompletions_Returns4xxWithAnOpenAiErrorBodyAndTheRouterStaysHealthy_WhenTheRequestIsMalformed(string json, int status, string? param)
    {
        var (actual, body) = await RouterApi.PostRawAsync(cluster.Http, Path, json);

        var error = AssertOpenAiError(actual, body, status, param);
        if (status == 404)
            Assert.Equal("model_not_found", (string?)error["code"]);
        await AssertStillHealthyAsync();
    }

    [Fact]
    public async Task ChatCompletions_Returns400_WhenTheBodyHasInvalidUtf8()
    {
        byte[] body = [.. "{\"messages\":[{\"role\":\"user\",\"content\":\""u8, 0xFF, 0xFE, 0xC3, .. "\"}]}"u8];

        var (status, error) = await RouterApi.PostBytesAsync(cluster.Http, Path, body);

        AssertOpenAiError(status, error, 400, null);
        await AssertStillHealthyAsync();
    }

    [Fact]
    public async Task ChatCompletions_Returns413_WhenTheBodyIsOverThe8MiBLimit()
    {
        string content = new('a', 9 * 1024 * 1024);
        byte[] body = Encoding.UTF8.GetBytes($$"""{"messages":[{"role":"user","content":"{{content}}"}],"max_tokens":1}""");

        var (status, error) = await RouterApi.PostBytesAsync(cluster.Http, Path, body);

        AssertOpenAiError(status, error, 413, null);
        await AssertStillHealthyAsync();
    }

    private static JsonNode AssertOpenAiError(int status, JsonNode body, int expectedStatus, string? expectedParam)
    {
        Assert.True(status == expectedStatus, $"expected HTTP {expectedStatus}, got {status}: {body.ToJsonString()}");
        var error = body["error"]?.AsObject() ?? throw new Xunit.Sdk.XunitException($"no error object: {body.ToJsonString()}");
        foreach (string key in new[] { "message", "type", "param", "code" })
            Assert.True(error.ContainsKey(key), $"the error has no \"{key}\": {body.ToJsonString()}");
        Assert.False(string.IsNullOrWhiteSpace((string?)error["message"]));
        if (expectedStatus == 400)
            Assert.Equal("invalid_request_error", (string?)error["type"]);
        if (expectedParam is not null)
            Assert.Equal(expectedParam, (string?)error["param"]);
        return error;
    }

    private async Task AssertStillHealthyAsync()
    {
        using var health = await cluster.Http.GetAsync(new Uri("/health", UriKind.Relative));
        Assert.Equal(200, (int)health.StatusCode);
        var (status, body) = await RouterApi.PostRawAsync(cluster.Http, Path, Valid);
        Assert.True(status == 200, $"a valid chat request after the malformed one failed: HTTP {status}: {body.ToJsonString()}");
        Assert.NotNull(body["choices"]?[0]?["message"]);
    }
}
