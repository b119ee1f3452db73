using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kimi.Cluster.Router.Api;

/// <summary>Owns the API's JSON conventions: snake_case names, and nulls written out as OpenAI does.</summary>
public static class ApiJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        // As OpenAI: a number sent as a string ("n": "2") is a 400, not read as the number.
        NumberHandling = JsonNumberHandling.Strict,
        // An API body, never embedded in HTML: keep quotes, < and > readable as OpenAI does.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static Task WriteAsync<T>(HttpResponse response, T body, int statusCode, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.StatusCode = statusCode;
        return response.WriteAsJsonAsync(body, Options, cancellation);
    }
}
