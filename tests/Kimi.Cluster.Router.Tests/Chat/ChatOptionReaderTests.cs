using System.Text.Json;
using System.Text.Json.Nodes;
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
    [InlineData(null, true, ToolChoiceMode.Auto)]
    [InlineData(null, false, ToolChoiceMode.None)]
    [InlineData("\"auto\"", true, ToolChoiceMode.Auto)]
    [InlineData("\"none\"", true, ToolChoiceMode.None)]
    [InlineData("\"none\"", false, ToolChoiceMode.None)]
    [InlineData("\"required\"", true, ToolChoiceMode.Required)]
    [InlineData("""{"type": "function", "function": {"name": "f"}}""", true, ToolChoiceMode.Function)]
    public void ReadToolChoice_ReadsEachForm(string? choice, bool hasTools, ToolChoiceMode expected)
    {
        var read = ToolsReader.ReadToolChoice(Parse(choice), hasTools ? Tools("f", "g") : []);
        Assert.Equal(expected, read.Mode);
        Assert.Equal(expected != ToolChoiceMode.None, read.ParsesCalls);
        Assert.Equal(expected == ToolChoiceMode.Function ? "f" : null, read.FunctionName);
    }

    [Theory]
    [InlineData("\"sometimes\"", true)]
    [InlineData("\"required\"", false)]
    [InlineData("\"auto\"", false)]
    [InlineData("""{"type": "function", "function": {"name": "missing"}}""", true)]
    [InlineData("""{"type": "function", "function": {}}""", true)]
    [InlineData("""{"type": "function"}""", true)]
    [InlineData("7", true)]
    public void ReadToolChoice_IsRefusedNamingToolChoice_WhenItCannotBeHonoured(string choice, bool hasTools) =>
        Assert.Equal("tool_choice", Assert.Throws<ApiException>(() => ToolsReader.ReadToolChoice(Parse(choice), hasTools ? Tools("f") : [])).Param);

    private static IReadOnlyList<JsonObject> Tools(params string[] names) =>
        ToolsReader.ReadTools(Parse("[" + string.Join(",", names.Select(n => "{\"type\": \"function\", \"function\": {\"name\": \"" + n + "\"}}")) + "]"));

    private static JsonElement? Parse(string? json) => json is null ? null : JsonDocument.Parse(json).RootElement.Clone();
}
