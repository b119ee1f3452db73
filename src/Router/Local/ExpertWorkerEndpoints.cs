using System.Text.Json.Nodes;
using Kimi.Cluster.Launch;
using Kimi.Cluster.Router.Api;

namespace Kimi.Cluster.Router.Local;

/// <summary>
/// `local`'s expert tier, resized while it serves: GET /admin/expert-workers lists the running
/// expert workers, POST adds one (answered once it is ready; placement then gives it its share of
/// the shard replicas), and DELETE /admin/expert-workers/{index} removes one (answered once it has
/// handed its experts to the others and exited). Guarded by the API keys like /v1.
/// </summary>
public static class ExpertWorkerEndpoints
{
    public const string Path = "/admin/expert-workers";

    public static void Map(WebApplication app, ExpertWorkerGroup workers)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(workers);
        app.MapGet(Path, (HttpContext context) =>
            ApiJson.WriteAsync(context.Response, List(workers), StatusCodes.Status200OK, context.RequestAborted));
        app.MapPost(Path, async (HttpContext context) =>
        {
            var (index, worker) = await workers.AddAsync(context.RequestAborted);
            await ApiJson.WriteAsync(context.Response, Describe(index, worker), StatusCodes.Status201Created, context.RequestAborted);
        });
        app.MapDelete(Path + "/{index}", async (HttpContext context, string index) =>
        {
            if (!int.TryParse(index, out int at))
                throw ApiException.InvalidRequest($"'{index}' is not an expert worker index; GET {Path} lists them", "index");
            bool removed;
            try
            {
                removed = await workers.RemoveAsync(at, context.RequestAborted);
            }
            catch (InvalidOperationException error)
            {
                throw new ApiException(StatusCodes.Status409Conflict, error.Message, "invalid_request_error", "index");
            }
            if (!removed)
                throw new ApiException(StatusCodes.Status404NotFound, $"no expert worker {at} is running; GET {Path} lists them", "invalid_request_error", "index");
            var body = List(workers);
            body["removed"] = at;
            await ApiJson.WriteAsync(context.Response, body, StatusCodes.Status200OK, context.RequestAborted);
        });
    }

    private static JsonObject List(ExpertWorkerGroup workers) =>
        new() { ["expert_workers"] = new JsonArray([.. workers.Running.Select(r => (JsonNode)Describe(r.Index, r.Worker))]) };

    private static JsonObject Describe(int index, WorkerProcess worker) => new()
    {
        ["index"] = index,
        ["name"] = worker.Name,
        ["data_plane"] = worker.Address.ToString().TrimEnd('/'),
        ["pid"] = worker.ProcessId,
    };
}
