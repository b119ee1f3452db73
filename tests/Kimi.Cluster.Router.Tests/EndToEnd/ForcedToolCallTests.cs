using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Kimi.Cluster.Router.Tests.Support;

namespace Kimi.Cluster.Router.Tests.EndToEnd;

/// <summary>
/// Forced tool calls through the scripted cluster (two attention workers, two expert workers):
/// the sampler's mask overrides the model's own preferences only where they break the constraint.
/// The scripted model, left alone, reasons, writes content, then calls get_weather; forced, it
/// still reasons (the thinking is free), writes no content, and calls what it is told to with
/// arguments that validate against that tool's schema.
/// </summary>
[Trait("Needs", "Processes")]
[Collection(ScriptedClusterCollection.Name)]
public sealed class ForcedToolCallTests(ScriptedClusterFixture cluster)
{
    private const string Path = "/v1/chat/completions";

    // Small schemas: the scripted model's vocabulary is bytes, and its context is 512 tokens.
    private static readonly JsonObject GetTimeParameters = JsonNode.Parse("""
        {"type": "object", "properties": {"zone": {"enum": ["UTC", "CET"]}}, "required": ["zone"]}
        """)!.AsObject();

    private static JsonArray Tools() =>
    [
        Tool(ScriptedModel.ToolName, """{"type": "object", "properties": {"city": {"type": "string"}}}"""),
        Tool("get_time", GetTimeParameters.ToJsonString()),
    ];

    [Fact]
    public async Task NamedToolChoice_CallsThatFunctionWithValidArguments_ThoughTheModelPrefersAnother()
    {
        var (status, body) = await RouterApi.PostAsync(cluster.Http, Path, Request(new JsonObject
        {
            ["type"] = "function", ["function"] = new JsonObject { ["name"] = "get_time" },
        }));

        Assert.True(status == 200, body.ToJsonString());
        var choice = body["choices"]![0]!;
        Assert.Equal("tool_calls", (string?)choice["finish_reason"]);
        var message = choice["message"]!;
        Assert.Equal(ScriptedModel.Reasoning, (string?)message["reasoning_content"]);
        Assert.True(string.IsNullOrEmpty((string?)message["content"]), message.ToJsonString());
        var call = Assert.Single(message["tool_calls"]!.AsArray())!;
        Assert.Equal("functions.get_time:0", (string?)call["id"]);
        Assert.Equal("get_time", (string?)call["function"]!["name"]);
        AssertValid(GetTimeParameters, (string)call["function"]!["arguments"]!);
    }

    [Fact]
    public async Task RequiredToolChoice_KeepsTheModelsOwnValidCall_AndDropsTheContentBeforeIt()
    {
        var (status, body) = await RouterApi.PostAsync(cluster.Http, Path, Request("required"));

        Assert.True(status == 200, body.ToJsonString());
        var message = body["choices"]![0]!["message"]!;
        Assert.True(string.IsNullOrEmpty((string?)message["content"]), message.ToJsonString());
        var call = Assert.Single(message["tool_calls"]!.AsArray())!;
        Assert.Equal(ScriptedModel.ToolCallId, (string?)call["id"]);
        Assert.Equal(ScriptedModel.Arguments, (string?)call["function"]!["arguments"]);
        Assert.Equal("tool_calls", (string?)body["choices"]![0]!["finish_reason"]);
    }

    [Fact]
    public async Task NamedToolChoice_StreamsTheSameCall()
    {
        var request = Request(new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = "get_time" } });
        var (_, whole) = await RouterApi.PostAsync(cluster.Http, Path, request);
        request["stream"] = true;

        var events = await RouterApi.PostStreamAsync(cluster.Http, Path, request);

        Assert.Equal("[DONE]", events[^1]);
        var deltas = events[..^1].Select(e => JsonNode.Parse(e)!["choices"]![0]!).ToList();
        string arguments = string.Concat(deltas.SelectMany(d => d["delta"]?["tool_calls"]?.AsArray() ?? [])
            .Select(c => (string?)c!["function"]?["arguments"] ?? ""));
        var expected = whole["choices"]![0]!["message"]!["tool_calls"]![0]!;
        Assert.Equal((string?)expected["function"]!["arguments"], arguments);
        Assert.Equal("tool_calls", (string?)deltas[^1]["finish_reason"]);
    }

    private static JsonObject Request(JsonNode toolChoice) => new()
    {
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Time?" }),
        ["tools"] = Tools(),
        ["tool_choice"] = toolChoice,
        ["parallel_tool_calls"] = false,
        ["temperature"] = 0,
        ["max_tokens"] = 78, // the prompt takes most of the 512-token context; the forced call needs at most 56
    };

    private static JsonObject Tool(string name, string parameters) => new()
    {
        ["type"] = "function",
        ["function"] = new JsonObject { ["name"] = name, ["parameters"] = JsonNode.Parse(parameters) },
    };

    private static void AssertValid(JsonObject schema, string arguments)
    {
        var result = JsonSchema.FromText(schema.ToJsonString()).Evaluate(JsonDocument.Parse(arguments).RootElement);
        Assert.True(result.IsValid, $"arguments {arguments} do not validate against {schema.ToJsonString()}");
    }
}
