using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Kimi.Cluster.Router.Tests.Support;
using Kimi.Cluster.Tests.Shared;
using Kimi.Cluster.Tests.Shared.Reference;

namespace Kimi.Cluster.Router.Tests.EndToEnd;

/// <summary>
/// Constrained decoding over Moonshot's real 163,840-token vocabulary, on a K2.5-layout checkpoint
/// with random weights, whose unconstrained output is noise: whatever it samples under
/// response_format or a forced tool call must still validate (checked with JsonSchema.Net), for
/// streamed and whole answers, n > 1 with logprobs, and the vendor verifier's tool schemas.
/// </summary>
[Trait("Needs", "Processes")]
[Trait("Speed", "Slow")]
public sealed class StructuredOutputTests : IAsyncLifetime
{
    private const string Path = "/v1/chat/completions";

    // Every value is bounded (enums, ranges, short strings, short arrays), so any walk ends well within max_tokens.
    private const string BoundedSchema = """
        {"type": "object", "additionalProperties": false, "required": ["name", "count", "ok", "tags", "kind"],
         "properties": {"name": {"type": "string", "maxLength": 6}, "count": {"type": "integer", "minimum": 0, "maximum": 99},
          "ok": {"type": "boolean"}, "tags": {"type": "array", "maxItems": 2, "items": {"type": "string", "enum": ["a", "b\"c"]}},
          "kind": {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/kind"}]}},
         "$defs": {"kind": {"type": "string", "enum": ["x", "y"]}}}
        """;

    private readonly TempDirectory _model = new("kimi-k25-structured");
    private RouterProcess? _router;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        RealTokenizerModel.Write(_model.Path, maxPositionEmbeddings: 8_192);
        _router = RouterProcess.Start(["local", "--port", "0", "--model", _model.Path]);
        // A forced call runs its 300 tokens in a batch of a dozen at the real vocabulary, and other
        // test classes share the machine's two cores: the time per call is generous.
        _http = new HttpClient { BaseAddress = await _router.WaitUntilReadyAsync(TimeSpan.FromSeconds(150)), Timeout = TimeSpan.FromSeconds(600) };
    }

    public async Task DisposeAsync()
    {
        _http?.Dispose();
        if (_router is not null)
            await _router.DisposeAsync();
        _model.Dispose();
    }

    [Fact]
    public async Task JsonSchemaFormat_GivesValidContentInEveryChoice_WholeAndStreamed()
    {
        var request = Chat(new JsonObject
        {
            ["type"] = "json_schema",
            ["json_schema"] = new JsonObject { ["name"] = "record", ["strict"] = true, ["schema"] = JsonNode.Parse(BoundedSchema) },
        });
        request["n"] = 3;
        request["logprobs"] = true;
        request["top_logprobs"] = 2;

        var (status, body) = await RouterApi.PostAsync(_http, Path, request);

        Assert.True(status == 200, body.ToJsonString());
        var choices = body["choices"]!.AsArray();
        Assert.Equal(3, choices.Count);
        foreach (var choice in choices)
        {
            Assert.Equal("stop", (string?)choice!["finish_reason"]);
            AssertValid(BoundedSchema, (string)choice["message"]!["content"]!);
            Assert.NotEmpty(choice["logprobs"]!["content"]!.AsArray());
        }

        request["stream"] = true;
        var events = await RouterApi.PostStreamAsync(_http, Path, request);
        var streamed = new StringBuilder[3];
        foreach (var e in events.Where(e => e != "[DONE]").Select(e => JsonNode.Parse(e)!))
        {
            foreach (var choice in e["choices"]!.AsArray())
                (streamed[(int)choice!["index"]!] ??= new()).Append((string?)choice["delta"]?["content"]);
        }
        // Seeded: the stream spells what the whole answer held.
        for (int i = 0; i < 3; i++)
            Assert.Equal((string?)choices[i]!["message"]!["content"], streamed[i].ToString());
    }

    [Fact]
    public async Task JsonObjectFormat_StartsAnObject_AndIsOneWhenItEnds()
    {
        var (status, body) = await RouterApi.PostAsync(_http, Path, Chat(new JsonObject { ["type"] = "json_object" }));

        Assert.True(status == 200, body.ToJsonString());
        var choice = body["choices"]![0]!;
        string content = (string)choice["message"]!["content"]!;
        Assert.StartsWith("{", content.TrimStart(), StringComparison.Ordinal);
        if ((string?)choice["finish_reason"] == "stop")
            Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(content).RootElement.ValueKind);
    }

    [Fact]
    public async Task VendorToolSchemas_ForcedCallsValidate_WholeAndStreamed()
    {
        var lines = File.ReadAllLines(SharedFiles.Require("peer", "vendor_requests.jsonl"));
        var metas = File.ReadAllLines(SharedFiles.Require("peer", "vendor_requests.meta.jsonl")).Select(line => JsonNode.Parse(line)!).ToArray();
        var picked = Enumerable.Range(0, lines.Length).Where(i => (string?)metas[i]["kind"] == "tool_call_json_schema")
            .Where((i, k) => k % 6 == 0 || lines[i].Contains("\"pattern\":", StringComparison.Ordinal)).ToList(); // the regex one always
        var answers = await Task.WhenAll(picked.Select(async (i, k) =>
        {
            var request = JsonNode.Parse(lines[i])!.AsObject();
            request.Remove("model"); // the served model
            // Random weights never close a <think> block: ask for the instant mode, as the verifier can.
            request["chat_template_kwargs"] = new JsonObject { ["thinking"] = false };
            request["max_tokens"] = 300;
            request["seed"] = i;
            request["stream"] = k % 2 == 1;
            return (Request: request, Call: await ForcedCallAsync(request));
        }));

        int finished = 0;
        foreach (var (request, (finish, calls)) in answers)
        {
            if (finish != "tool_calls")
            {
                Assert.Equal("length", finish);
                continue;
            }
            finished++;
            // "required" allows parallel calls: every one names the tool and validates.
            var tool = request["tools"]![0]!["function"]!;
            Assert.NotEmpty(calls);
            foreach (var (name, arguments) in calls)
            {
                Assert.Equal((string?)tool["name"], name);
                AssertValid(tool["parameters"]!.ToJsonString(), arguments);
            }
        }
        // Strings are unbounded and noise closes them only by chance (about half the calls end within
        // max_tokens); every call that ends must validate.
        Assert.True(finished * 4 >= answers.Length, $"{finished} of {answers.Length} forced calls finished within max_tokens");
    }

    /// <summary>The finish reason and the calls (name, arguments) of a whole or streamed answer.</summary>
    private async Task<(string? Finish, List<(string? Name, string Arguments)> Calls)> ForcedCallAsync(JsonObject request)
    {
        if (request["stream"]!.GetValue<bool>())
        {
            var chunks = (await RouterApi.PostStreamAsync(_http, Path, request)).Where(e => e != "[DONE]").Select(e => JsonNode.Parse(e)!["choices"]![0]!).ToList();
            var deltas = chunks.SelectMany(c => c["delta"]?["tool_calls"]?.AsArray() ?? []).ToList();
            var calls = deltas.GroupBy(d => (int)d!["index"]!).OrderBy(g => g.Key)
                .Select(g => (g.Select(d => (string?)d!["function"]?["name"]).FirstOrDefault(n => n is not null),
                    string.Concat(g.Select(d => (string?)d!["function"]?["arguments"])))).ToList();
            return ((string?)chunks[^1]["finish_reason"], calls);
        }
        var (status, body) = await RouterApi.PostAsync(_http, Path, request);
        Assert.True(status == 200, body.ToJsonString());
        var choice = body["choices"]![0]!;
        var whole = (choice["message"]!["tool_calls"]?.AsArray() ?? [])
            .Select(c => ((string?)c!["function"]!["name"], (string)c["function"]!["arguments"]!)).ToList();
        return ((string?)choice["finish_reason"], whole);
    }

    private static JsonObject Chat(JsonObject responseFormat) => new()
    {
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Describe a record." }),
        ["response_format"] = responseFormat,
        ["chat_template_kwargs"] = new JsonObject { ["thinking"] = false },
        ["temperature"] = 1.0,
        ["seed"] = 7,
        ["max_tokens"] = 400,
    };

    private static void AssertValid(string schema, string json)
    {
        var result = JsonSchema.FromText(schema).Evaluate(JsonDocument.Parse(json).RootElement);
        Assert.True(result.IsValid, $"{json} does not validate against {schema}");
    }
}
