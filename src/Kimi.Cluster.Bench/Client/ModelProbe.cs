using System.Text.Json;

namespace Kimi.Cluster.Bench.Client;

/// <summary>Asks GET /v1/models what is served, both to label the result and to fail early when nothing answers.</summary>
public static class ModelProbe
{
    /// <summary>The first served model's id and max_model_len (null when not given).</summary>
    public static async Task<(string Id, int? MaxModelLen)> ReadAsync(HttpClient http, Uri baseUrl, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(http);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        using var response = await http.GetAsync(new Uri(baseUrl, "v1/models"), timeout.Token);
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(timeout.Token));
        var first = document.RootElement.GetProperty("data").EnumerateArray().FirstOrDefault();
        if (first.ValueKind != JsonValueKind.Object)
            throw new InvalidOperationException("GET /v1/models lists no model");
        string id = first.GetProperty("id").GetString() ?? "";
        int? maxLen = first.TryGetProperty("max_model_len", out var len) && len.TryGetInt32(out int value) ? value : null;
        return (id, maxLen);
    }
}
