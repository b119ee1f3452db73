using Kimi.Cluster.Contracts.V1;

namespace Kimi.Cluster.Router.Hosting;

/// <summary>
/// What the router accepts and how much it takes on: request sizes, the admission queue,
/// the per-generation timeout and the API keys. Endpoints read it from DI; null token limits
/// mean the model's context length.
/// </summary>
public sealed record RouterLimits
{
    public const long DefaultMaxBodyBytes = 8L * 1024 * 1024;
    public const int DefaultMaxConcurrentRequests = 256;
    public const int DefaultMaxQueuedRequests = 1024;
    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(600);
    public static readonly TimeSpan DefaultStallTimeout = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan DefaultHealthTimeout = TimeSpan.FromSeconds(3);

    /// <summary>--max-prompt-tokens; null: the model's context length.</summary>
    public int? MaxPromptTokens { get; init; }

    /// <summary>--max-tokens-limit, the largest max_tokens accepted; null: the model's context length.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>--max-body-bytes: larger request bodies are refused with 413.</summary>
    public long MaxBodyBytes { get; init; } = DefaultMaxBodyBytes;

    /// <summary>Worker calls (one per choice) running at once over all attention workers.</summary>
    public int MaxConcurrentRequests { get; init; } = DefaultMaxConcurrentRequests;

    /// <summary>Worker calls that may wait for a place; beyond it, 429 with Retry-After.</summary>
    public int MaxQueuedRequests { get; init; } = DefaultMaxQueuedRequests;

    /// <summary>A generation (queue wait included) running longer is cancelled with a 504.</summary>
    public TimeSpan RequestTimeout { get; init; } = DefaultRequestTimeout;

    /// <summary>
    /// --stall-timeout: an attention worker that has streamed tokens and then sends nothing for this
    /// long counts as lost, and the generation resumes on another worker.
    /// </summary>
    public TimeSpan StallTimeout { get; init; } = DefaultStallTimeout;

    /// <summary>
    /// --health-timeout: an attention worker with calls running is asked over gRPC health every
    /// second; one that does not answer within this long twice in a row counts as lost, and its
    /// generations resume on other workers (a frozen process keeps its connections open).
    /// </summary>
    public TimeSpan HealthTimeout { get; init; } = DefaultHealthTimeout;

    /// <summary>--enforce-kimi-sampling: chat requests may only give K2.5's fixed sampling values (see <c>KimiSamplingRule</c>).</summary>
    public bool EnforceKimiSampling { get; init; }

    /// <summary>When not empty, every /v1/* request needs "Authorization: Bearer &lt;one of them&gt;".</summary>
    public IReadOnlyList<string> ApiKeys { get; init; } = [];

    public int PromptTokensAllowed(ModelInfo model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return MaxPromptTokens ?? (int)model.MaxPositionEmbeddings;
    }

    public int MaxTokensAllowed(ModelInfo model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return MaxTokens ?? (int)model.MaxPositionEmbeddings;
    }
}
