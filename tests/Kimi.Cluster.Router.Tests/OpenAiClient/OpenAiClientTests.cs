using System.Text.Json.Nodes;
using Kimi.Cluster.Router.Tests.Support;
using Xunit.Abstractions;

namespace Kimi.Cluster.Router.Tests.OpenAiClient;

/// <summary>
/// The official openai npm client against the chat API, on the scripted model: what a real client
/// reads back (reasoning, content, tool calls, streamed deltas, usage) is what the model generated.
/// </summary>
[Trait("Needs", "Processes")]
[Collection(ScriptedClusterCollection.Name)]
public sealed class OpenAiClientTests(ScriptedClusterFixture cluster, ITestOutputHelper output)
{
    [Fact]
    public async Task ChatCompletion_SplitsReasoningFromContentAndStopsAtMaxTokens()
    {
        if (await RunAsync("basic") is not { } result)
            return;

        Assert.Equal("chat.completion", (string?)result["object"]);
        Assert.Equal("assistant", (string?)result["role"]);
        Assert.Equal(ScriptedModel.Reasoning, (string?)result["reasoning_content"]);
        Assert.Equal(ScriptedModel.Content, (string?)result["content"]);
        Assert.Equal("length", (string?)result["finish_reason"]);
        Assert.Equal(4, (int)result["usage"]!["completion_tokens"]!);
    }

    [Fact]
    public async Task ChatCompletion_AssemblesToTheSameMessageWithUsageLast_WhenStreamed()
    {
        if (await RunAsync("stream") is not { } result)
            return;

        Assert.All(result["objects"]!.AsArray(), o => Assert.Equal("chat.completion.chunk", (string?)o));
        Assert.Equal(["assistant"], result["roles"]!.AsArray().Select(r => (string?)r));
        Assert.Equal(ScriptedModel.Reasoning, (string?)result["reasoning_content"]);
        Assert.Equal(ScriptedModel.Content, (string?)result["content"]);
        Assert.Equal("length", (string?)result["finish_reason"]);
        Assert.Equal(4, (int)result["usage"]!["completion_tokens"]!);
        Assert.True((bool)result["usage_chunk_has_no_choices"]!);
    }

    [Fact]
    public async Task ToolCallRoundTrip_ReturnsTheCallAndAcceptsTheToolResult()
    {
        if (await RunAsync("tools") is not { } result)
            return;

        var first = result["first"]!;
        Assert.Equal("tool_calls", (string?)first["finish_reason"]);
        Assert.Equal(ScriptedModel.Reasoning, (string?)first["reasoning_content"]);
        Assert.Equal(ScriptedModel.Content, (string?)first["content"]);
        var call = Assert.Single(first["tool_calls"]!.AsArray())!;
        Assert.Equal(ScriptedModel.ToolCallId, (string?)call["id"]);
        Assert.Equal("function", (string?)call["type"]);
        AssertGetWeatherParis((string?)call["function"]!["name"], (string?)call["function"]!["arguments"]);

        // The bigram model answers the follow-up the same way; what matters is that it was accepted.
        var second = result["second"]!;
        Assert.Equal("tool_calls", (string?)second["finish_reason"]);
        Assert.True((int)second["usage"]!["prompt_tokens"]! > (int)first["usage"]!["prompt_tokens"]!,
            $"the tool result did not lengthen the prompt: {result.ToJsonString()}");
    }

    [Fact]
    public async Task ToolCall_AssemblesByIndexWithIdAndNameFirst_WhenStreamed()
    {
        if (await RunAsync("tools-stream") is not { } result)
            return;

        Assert.Equal(ScriptedModel.Reasoning, (string?)result["reasoning_content"]);
        Assert.Equal(ScriptedModel.Content, (string?)result["content"]);
        Assert.Equal("tool_calls", (string?)result["finish_reason"]);
        var call = Assert.Single(result["tool_calls"]!.AsArray())!;
        Assert.Equal(ScriptedModel.ToolCallId, (string?)call["id"]);
        Assert.Equal("function", (string?)call["type"]);
        AssertGetWeatherParis((string?)call["name"], (string?)call["arguments"]);

        var deltas = result["tool_call_deltas"]!.AsArray();
        Assert.Equal(ScriptedModel.ToolCallId, (string?)deltas[0]!["id"]);
        Assert.Equal(ScriptedModel.ToolName, (string?)deltas[0]!["function"]!["name"]);
        Assert.All(deltas.Skip(1), d => Assert.Null(d!["id"]));
        Assert.All(deltas, d => Assert.Equal(0, (int)d!["index"]!));
    }

    private static void AssertGetWeatherParis(string? name, string? arguments)
    {
        Assert.Equal(ScriptedModel.ToolName, name);
        var parsed = JsonNode.Parse(arguments ?? "null");
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"city":"Paris"}"""), parsed), $"arguments: {arguments}");
    }

    /// <summary>The scenario's JSON, or null (with the reason in the test output) where node is missing.</summary>
    private async Task<JsonNode?> RunAsync(string scenario)
    {
        if (await NodeScript.UnavailableReasonAsync() is { } reason)
        {
            output.WriteLine(reason);
            return null;
        }
        return await NodeScript.RunAsync(cluster.BaseAddress, scenario);
    }
}
