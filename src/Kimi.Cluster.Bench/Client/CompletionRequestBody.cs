using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kimi.Cluster.Bench.Client;

/// <summary>
/// The body of one benchmark request: greedy, streaming, and ignore_eos so that every
/// request generates exactly max_tokens (as vLLM's benchmark asks), with usage in the last chunk.
/// </summary>
public static class CompletionRequestBody
{
    public static string Build(IReadOnlyList<int> prompt, int maxTokens)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var body = new JsonObject
        {
            ["prompt"] = new JsonArray(prompt.Select(id => (JsonNode)id).ToArray()),
            ["max_tokens"] = maxTokens,
            ["temperature"] = 0,
            ["ignore_eos"] = true,
            ["stream"] = true,
            ["stream_options"] = new JsonObject { ["include_usage"] = true },
        };
        return body.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }
}
