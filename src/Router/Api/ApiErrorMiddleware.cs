using System.Globalization;

namespace Kimi.Cluster.Router.Api;

/// <summary>
/// Turns failures into OpenAI-style error bodies: refusals (<see cref="ApiException"/>)
/// keep their status, anything else is a 500; a client that left gets nothing.
/// </summary>
public sealed partial class ApiErrorMiddleware(RequestDelegate next, ILogger<ApiErrorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client disconnected; its worker calls were cancelled with it.
        }
        catch (ApiException error) when (!context.Response.HasStarted)
        {
            await WriteAsync(context, error);
        }
        catch (BadHttpRequestException error) when (error.StatusCode == StatusCodes.Status413PayloadTooLarge && !context.Response.HasStarted)
        {
            // Kestrel's MaxRequestBodySize (--max-body-bytes) refused the body.
            await WriteAsync(context, ApiException.TooLarge($"the request body is too large: {error.Message}"));
        }
        catch (Exception error) when (error is not ApiException && !context.Response.HasStarted)
        {
            // The cause goes to the log only, under an id the client is given.
            LogUnhandled(logger, error, context.Request.Method, context.Request.Path, context.TraceIdentifier);
            var body = new ApiException(StatusCodes.Status500InternalServerError,
                $"internal error serving request {context.TraceIdentifier}; the router logged the cause under this id", "server_error");
            await ApiJson.WriteAsync(context.Response, body.ToBody(), body.StatusCode, context.RequestAborted);
        }
    }

    private static Task WriteAsync(HttpContext context, ApiException error)
    {
        if (error.RetryAfter is { } retryAfter)
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return ApiJson.WriteAsync(context.Response, error.ToBody(), error.StatusCode, context.RequestAborted);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error serving {Method} {Path} (request {RequestId})")]
    private static partial void LogUnhandled(ILogger logger, Exception error, string method, string path, string requestId);
}
