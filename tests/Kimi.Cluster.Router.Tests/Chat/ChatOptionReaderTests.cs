using System.Text.Json;
using Kimi.Cluster.Router.Api;
using Kimi.Cluster.Router.Chat;

namespace Kimi.Cluster.Router.Tests.Chat;

public sealed class ChatOptionReaderTests
{
    [Theory]
    [InlineData(null, null, true)]
    [InlineData("""{"type": "disabled"}""", null, false)]
    [InlineData("""{"type": "enabled"}""", null, true)]
    [InlineData(null, """{"thinking": false}""", false)]
    [InlineData(null, """{"other": 1}""", true)]
    public void Thinking_IsOnUnlessKimisOrVllmsSwitchTurnsItOff(string? kimi, string? vllm, bool expected) =>
        Assert.Equal(expected, ThinkingReader.Read(Parse(kimi), Parse(vllm)));

    [Theory]
    [InlineData("""{"type": "sometimes"}""", null, "thinking")]
    [InlineData("""{"type": "disabled"}""", """{"thinking": true}""", "thinking")]
    [InlineData(null, """{"thinking": "no"}""", "chat_template_kwargs")]
    public void Thinking_IsRefused_WhenItsSwitchesAreBad(string? kimi, string? vllm, string param) =>
        Assert.Equal(param, Assert.Throws<ApiException>(() => ThinkingReader.Read(Parse(kimi), Parse(vllm))).Param);

    [Fact]
    public void ReadTools_KeepsTheToolsKeysInTheOrderSent()
    {
        var tools = ToolsReader.ReadTools(Parse("""[{"type": "function", "function": {"name": "f", "parameters": {"z": 1, "a": 2}}}]"""));

        Assert.Equal("""{"type":"function","function":{"name":"f","parameters":{"z":1,"a":2}}}""", Assert.Single(tools).ToJsonString());
    }

    [Theory]
    [InlineData("""{"type": "function"}""")]
    [InlineData("""[{"type": "retrieval"}]""")]
    [InlineData("""[{"type": "function", "function": {"description": "no name"}}]""")]
    public void ReadTools_RefusesNamingTools_WhenToolsAreMalformed(string json) =>
        Assert.Equal("tools", Assert.Throws<ApiException>(() => ToolsReader.ReadTools(Parse(json))).Param);

    [Theory]
    [InlineData(null, true, true)]
    [InlineData(null, false, false)]
    [InlineData("\"auto\"", true, true)]
    [InlineData("\"none\"", true, false)]
    public void ToolCalls_AreParsed_WhenToolsAreOfferedAndNotDeclined(string? choice, bool hasTools, bool expected) =>
        Assert.Equal(expected, ToolsReader.ParseToolCalls(Parse(choice), hasTools));

    [Theory]
    [InlineData("\"required\"")]
    [InlineData("""{"type": "function", "function": {"name": "f"}}""")]
    [InlineData("\"sometimes\"")]
    public void ToolChoice_IsRefused_WhenItNeedsConstrainedDecoding(string choice) =>
        Assert.Equal("tool_choice", Assert.Throws<ApiException>(() => ToolsReader.ParseToolCalls(Parse(choice), hasTools: true)).Param);

    private static JsonElement? Parse(string? json) => json is null ? null : JsonDocument.Parse(json).RootElement.Clone();
}
