using System.Text;
using System.Text.Json.Nodes;
using Kimi.Cluster.Router.Tests.Support;
using Kimi.Cluster.Tests.Shared;
using Kimi.Cluster.Tests.Shared.Reference;

namespace Kimi.Cluster.Router.Tests.EndToEnd;

/// <summary>
/// The K2-Vendor-Verifier's requests (long multi-turn chats with tools, thinking switches,
/// streaming, penalties, n) replayed against a K2.5-layout random checkpoint with Moonshot's real
/// tokenizer and --enforce-kimi-sampling, one after the other: each is answered as its meta line
/// expects (200, or a 400 naming the parameter that breaks K2.5's fixed sampling). Long prompts
/// allocate a lot, so collections happen mid-step; this is where a Scalar freed by its finalizer
/// showed as a 500.
/// </summary>
[Trait("Needs", "Processes")]
[Trait("Speed", "Slow")]
public sealed class VendorRequestReplayTests : IAsyncLifetime
{
    private readonly TempDirectory _model = new("kimi-k25-real-tokenizer");
    private RouterProcess? _router;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        RealTokenizerModel.Write(_model.Path, maxPositionEmbeddings: 32_768);
        _router = RouterProcess.Start(["local", "--port", "0", "--model", _model.Path, "--enforce-kimi-sampling"]);
        _http = new HttpClient { BaseAddress = await _router.WaitUntilReadyAsync(TimeSpan.FromSeconds(150)), Timeout = TimeSpan.FromSeconds(120) };
    }

    public async Task DisposeAsync()
    {
        _http?.Dispose();
        if (_router is not null)
            await _router.DisposeAsync();
        _model.Dispose();
    }

    [Fact]
    public async Task VendorVerifierReplay_AnswersEveryRequestAsItsMetaExpects()
    {
        var (_, models) = await RouterApi.GetAsync(_http, "/v1/models");
        string modelId = (string)models["data"]![0]!["id"]!;
        var lines = File.ReadAllLines(SharedFiles.Require("peer", "vendor_requests.jsonl"));
        var metas = File.ReadAllLines(SharedFiles.Require("peer", "vendor_requests.meta.jsonl")).Select(line => JsonNode.Parse(line)!).ToArray();
        Assert.True(lines.Length >= 200, $"{lines.Length} requests");
        Assert.Equal(lines.Length, metas.Length);
        Assert.Contains(metas, meta => (int?)meta["expect"]?["http_status"] == 400);

        var failures = new List<string>();
        // Twice over: a few hundred long chats in a row.
        for (int i = 0; i < 2 * lines.Length; i++)
        {
            var meta = metas[i % lines.Length];
            var request = Prepare(lines[i % lines.Length], modelId, meta);
            var (status, text) = await SendAsync(request);
            if ((int?)meta["expect"]?["http_status"] == 400)
            {
                // "params-think-top_p-wrong": the refusal names top_p.
                string param = ((string)meta["id"]!).Split('-')[2];
                if (status != 400 || !text.Contains($"\"param\":\"{param}\"", StringComparison.Ordinal))
                    failures.Add($"request {i % lines.Length + 1} ({meta["id"]}): expected a 400 naming {param}, got HTTP {status}: {text[..Math.Min(text.Length, 400)]}");
                continue;
            }
            // Forced tool calls (tool_choice "required"), the one with a regex `pattern` included, are
            // served by constrained decoding like the rest; StructuredOutputTests checks that their
            // arguments validate.
            if (status != 200 || text.Contains("\"error\"", StringComparison.Ordinal))
                failures.Add($"request {i % lines.Length + 1} ({meta["id"]}): HTTP {status}: {text[..Math.Min(text.Length, 400)]}");
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures) + "\n" + _router!.Output[^Math.Min(_router.Output.Length, 4000)..]);
    }

    /// <summary>
    /// As the verifier prepares them: our model id, usage on streams, and for its own samples the
    /// extra body it merges for K2.5's instant mode (thinking off, temperature 0.6); short answers
    /// keep the run quick.
    /// </summary>
    private static JsonObject Prepare(string line, string modelId, JsonNode meta)
    {
        var request = JsonNode.Parse(line)!.AsObject();
        request["model"] = modelId;
        if ((string?)meta["kind"] == "k2vv_tool_call_sample")
        {
            request["chat_template_kwargs"] = new JsonObject { ["thinking"] = false };
            request["temperature"] = 0.6;
        }
        request["max_tokens"] = 4;
        if (request["stream"]?.GetValue<bool>() == true)
            request["stream_options"] = new JsonObject { ["include_usage"] = true };
        foreach (var message in request["messages"]!.AsArray())
        {
            if ((string?)message!["role"] == "_input")
                message["role"] = "system";
        }
        return request;
    }

    private async Task<(int Status, string Text)> SendAsync(JsonObject request)
    {
        using var content = new StringContent(request.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await _http.PostAsync("/v1/chat/completions", content);
        string text = await response.Content.ReadAsStringAsync();
        bool streamed = request["stream"]?.GetValue<bool>() == true;
        if (streamed && response.IsSuccessStatusCode && !text.TrimEnd().EndsWith("data: [DONE]", StringComparison.Ordinal))
            return (599, "the stream did not end with [DONE]: " + text);
        return ((int)response.StatusCode, text);
    }
}
