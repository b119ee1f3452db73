using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Grpc.Core;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Router.Tests.Support;

namespace Kimi.Cluster.Router.Tests.EndToEnd;

/// <summary>Helpers for completions: a reference greedy run, and reading token ids back out of text.</summary>
public static partial class GreedyReference
{
    public static async Task<string> GreedyTextAsync(HttpClient http, int[] prompt, int maxTokens)
    {
        var (status, body) = await RouterApi.PostAsync(http, "/v1/completions",
            new { prompt, max_tokens = maxTokens, temperature = 0, ignore_eos = true, return_tokens_as_token_ids = true });
        Assert.True(status == 200, body.ToJsonString());
        return (string)body["choices"]![0]!["text"]!;
    }

    /// <summary>Greedy tokens (end-of-sequence ignored) from one attention worker directly, bypassing the router.</summary>
    public static async Task<List<int>> AtWorkerAsync(ClusterUnderTest cluster, LaunchedWorker worker, int[] prompt, int maxTokens)
    {
        var request = new GenerateRequest
        {
            RequestId = $"direct-{Guid.NewGuid():N}",
            MaxTokens = (uint)maxTokens,
            IgnoreEos = true,
            Sampling = new SamplingOptions { Temperature = 0, TopP = 1, TopK = -1 },
        };
        request.PromptTokenIds.AddRange(prompt);
        using var call = cluster.AttentionClient(worker).Generate(request);
        var tokens = new List<int>();
        await foreach (var response in call.ResponseStream.ReadAllAsync())
            tokens.AddRange(response.Tokens.Select(token => token.TokenId));
        return tokens;
    }

    /// <summary>
    /// A streamed greedy completion (end-of-sequence ignored) through the router: its tokens, each
    /// handed to <paramref name="onTokens"/> as its chunk arrives. Fails on an error status or an in-stream error.
    /// </summary>
    public static async Task<List<int>> StreamAsync(HttpClient http, int[] prompt, int maxTokens, Action<IReadOnlyList<int>> onTokens)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(onTokens);
        var body = new { prompt, max_tokens = maxTokens, temperature = 0, ignore_eos = true, return_tokens_as_token_ids = true, stream = true };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = JsonContent.Create(body) };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode)
            Assert.Fail($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var tokens = new List<int>();
        while (await reader.ReadLineAsync() is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal) || line == "data: [DONE]")
                continue;
            var chunk = JsonNode.Parse(line["data: ".Length..])!;
            Assert.True(chunk["error"] is null, $"the stream ended with an error: {chunk.ToJsonString()}");
            var chunkTokens = TokenIds((string?)chunk["choices"]![0]!["text"] ?? "");
            if (chunkTokens.Count == 0)
                continue;
            tokens.AddRange(chunkTokens);
            onTokens(chunkTokens);
        }
        return tokens;
    }

    /// <summary>"token_id:5token_id:17" → [5, 17]; fails on anything else.</summary>
    public static List<int> TokenIds(string text)
    {
        Assert.Matches(WholeText(), text);
        return TokenId().Matches(text).Select(match => int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
    }

    [GeneratedRegex(@"^(token_id:\d+)*$")]
    private static partial Regex WholeText();

    [GeneratedRegex(@"token_id:(\d+)")]
    private static partial Regex TokenId();
}
