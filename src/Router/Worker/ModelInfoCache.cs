using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Router.Api;

namespace Kimi.Cluster.Router.Worker;

/// <summary>
/// Owns what the router knows about the served model: asked of the worker once, then
/// kept, since a worker serves one model for its whole life.
/// </summary>
public sealed partial class ModelInfoCache(WorkerClient worker, ILogger<ModelInfoCache> logger)
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);
    private ModelInfo? _model;

    /// <summary>The served model; throws a 503 <see cref="ApiException"/> while the worker cannot answer.</summary>
    public async Task<ModelInfo> GetAsync(CancellationToken cancellation)
    {
        if (_model is { } known)
            return known;
        var model = await worker.GetModelInfoAsync(CallTimeout, cancellation);
        _model = model;
        return model;
    }

    /// <summary>Asks until the worker answers (a deployed router may start before its worker).</summary>
    public async Task<ModelInfo> WaitUntilAvailableAsync(CancellationToken cancellation)
    {
        while (true)
        {
            try
            {
                return await GetAsync(cancellation);
            }
            catch (ApiException error)
            {
                LogWaiting(logger, error.Message);
                await Task.Delay(RetryDelay, cancellation);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Waiting for the attention worker: {Reason}")]
    private static partial void LogWaiting(ILogger logger, string reason);
}
