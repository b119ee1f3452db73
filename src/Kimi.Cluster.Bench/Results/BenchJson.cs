using System.Text.Json;

namespace Kimi.Cluster.Bench.Results;

/// <summary>Owns the result file's format: snake_case JSON, indented for people to read and diff.</summary>
public static class BenchJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    public static string Serialize(BenchResult result) => JsonSerializer.Serialize(result, Options);

    public static BenchResult Deserialize(string json) =>
        JsonSerializer.Deserialize<BenchResult>(json, Options)
        ?? throw new JsonException("the result file holds null");

    public static async Task WriteAsync(string path, BenchResult result, CancellationToken cancellation) =>
        await File.WriteAllTextAsync(path, Serialize(result) + Environment.NewLine, cancellation);

    public static async Task<BenchResult> ReadAsync(string path, CancellationToken cancellation) =>
        Deserialize(await File.ReadAllTextAsync(path, cancellation));
}
