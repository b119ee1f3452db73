namespace Kimi.Cluster.Router.Api;

/// <summary>
/// A request the API refuses or cannot serve, carrying the HTTP status and the fields of
/// the OpenAI-style error body that <see cref="ApiErrorMiddleware"/> writes.
/// </summary>
public sealed class ApiException(int statusCode, string message, string type, string? param = null, string? code = null)
    : Exception(message)
{
    public int StatusCode { get; } = statusCode;
    public string Type { get; } = type;
    public string? Param { get; } = param;
    public string? Code { get; } = code;

    public static ApiException InvalidRequest(string message, string? param) =>
        new(StatusCodes.Status400BadRequest, message, "invalid_request_error", param);

    /// <summary>The worker's queue is full: retry later (HTTP 429, as OpenAI answers when over capacity).</summary>
    public static ApiException Overloaded(string message) =>
        new(StatusCodes.Status429TooManyRequests, message, "rate_limit_error", code: "queue_full");

    public static ApiException Unavailable(string message) =>
        new(StatusCodes.Status503ServiceUnavailable, message, "service_unavailable_error");

    public ErrorBody ToBody() => new(new ErrorDetail(Message, Type, Param, Code));
}
