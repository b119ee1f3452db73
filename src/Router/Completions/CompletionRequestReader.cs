using System.Text.Json;
using System.Text.RegularExpressions;
using Kimi.Cluster.Router.Api;

namespace Kimi.Cluster.Router.Completions;

/// <summary>Reads the request body as JSON; malformed JSON or a wrongly typed field is a 400 naming the field.</summary>
public static partial class CompletionRequestReader
{
    public static async Task<CompletionRequest> ReadAsync(HttpRequest request, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            return await JsonSerializer.DeserializeAsync<CompletionRequest>(request.Body, ApiJson.Options, cancellation)
                ?? throw ApiException.InvalidRequest("the request body must be a JSON object", null);
        }
        catch (JsonException error)
        {
            string? param = ParamOf(error.Path);
            string where = param is null ? "the request body" : $"'{param}'";
            throw ApiException.InvalidRequest($"invalid JSON in {where}: {error.Message}", param);
        }
    }

    /// <summary>"$.stop_token_ids[2]" names stop_token_ids; "$" names nothing.</summary>
    public static string? ParamOf(string? jsonPath)
    {
        if (jsonPath is null)
            return null;
        var match = TopLevelField().Match(jsonPath);
        return match.Success ? match.Groups[1].Value : null;
    }

    [GeneratedRegex(@"^\$\.([A-Za-z0-9_]+)")]
    private static partial Regex TopLevelField();
}
