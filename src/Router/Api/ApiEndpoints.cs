using Kimi.Cluster.Router.Chat;
using Kimi.Cluster.Router.Completions;
using Kimi.Cluster.Router.Generation;
using Kimi.Cluster.Router.Hosting;
using Kimi.Cluster.Router.Routing;
using Kimi.Cluster.Router.Worker;

namespace Kimi.Cluster.Router.Api;

/// <summary>Owns the router's HTTP surface: its routes, and JSON error bodies for everything else.</summary>
public static class ApiEndpoints
{
    public static void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseMiddleware<ApiErrorMiddleware>();
        app.UseMiddleware<ApiKeyMiddleware>();
        // Unknown routes (404) and wrong methods (405) get an OpenAI-style body too.
        app.UseStatusCodePages(context => WriteStatusErrorAsync(context.HttpContext));
        app.MapGet("/v1/models", ModelsEndpoint.HandleAsync);
        app.MapGet("/health", HealthEndpoint.HandleAsync);
        app.MapGet("/health_generate", HealthGenerateEndpoint.HandleAsync);
        app.MapPost("/v1/completions", (HttpContext context, ModelInfoCache models, RouterLimits limits, AttentionWorkerPool worker) =>
            AnswerPipeline.HandleAsync(context, CompletionAnswer.Instance, models, limits, worker));
        app.MapPost("/v1/chat/completions", (HttpContext context, ChatAnswer chat, ModelInfoCache models, RouterLimits limits, AttentionWorkerPool worker) =>
            AnswerPipeline.HandleAsync(context, chat, models, limits, worker));
    }

    private static Task WriteStatusErrorAsync(HttpContext context)
    {
        var request = context.Request;
        int status = context.Response.StatusCode;
        string message = status switch
        {
            StatusCodes.Status404NotFound => $"no route {request.Method} {request.Path}; see /v1/models, /v1/completions and /v1/chat/completions",
            StatusCodes.Status405MethodNotAllowed => $"{request.Path} does not accept {request.Method}",
            _ => $"HTTP {status}",
        };
        var error = new ApiException(status, message, "invalid_request_error");
        return ApiJson.WriteAsync(context.Response, error.ToBody(), status, context.RequestAborted);
    }
}
