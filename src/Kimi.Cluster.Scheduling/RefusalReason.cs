namespace Kimi.Cluster.Scheduling;

/// <summary>Why <see cref="Scheduler{TRequest}.TryAdd"/> turned a request away.</summary>
public enum RefusalReason
{
    /// <summary>The waiting queue is full: try again later (HTTP 429).</summary>
    QueueFull,

    /// <summary>Prompt plus max tokens exceed the model's context (HTTP 400).</summary>
    ExceedsContext,

    /// <summary>Prompt plus max tokens need more KV blocks than the whole cache has (HTTP 400).</summary>
    ExceedsCache,

    /// <summary>Empty prompt or max tokens below 1 (HTTP 400).</summary>
    Invalid,

    /// <summary>A request with this id is already queued or running.</summary>
    DuplicateId,
}
