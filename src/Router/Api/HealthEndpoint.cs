using Kimi.Cluster.Router.Worker;

namespace Kimi.Cluster.Router.Api;

/// <summary>GET /health: 200 while the attention worker answers, else 503 with the reason.</summary>
public static class HealthEndpoint
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public static async Task HandleAsync(HttpContext context, WorkerClient worker)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(worker);
        // Ask the worker every time: a cached answer would hide a worker that has died.
        await worker.GetModelInfoAsync(Timeout, context.RequestAborted);
        await ApiJson.WriteAsync(context.Response, new { Status = "ok" }, StatusCodes.Status200OK, context.RequestAborted);
    }
}
