namespace Kimi.Cluster.Model.Configuration.Capacity;

/// <summary>The deployment a capacity plan is for (the defaults are the workers' own).</summary>
/// <param name="AttentionWorkers">Attention-worker processes; each holds every non-expert weight and its own KV cache.</param>
/// <param name="ExpertWorkers">Expert-worker processes; 0 keeps the routed experts inside each attention worker.</param>
/// <param name="ExpertReplicas">Copies of each expert shard (shards = expert workers, as `local` makes them).</param>
/// <param name="KvCacheTokens">Tokens the paged KV cache of one attention worker holds.</param>
/// <param name="MaxBatchTokens">Tokens one step computes (the activation buffers scale with it).</param>
/// <param name="MaxRunning">Sequences a step samples at most (the logits scale with it).</param>
public sealed record CapacityOptions(
    int AttentionWorkers = 1, int ExpertWorkers = 0, int ExpertReplicas = 1,
    long KvCacheTokens = 65536, int MaxBatchTokens = 2048, int MaxRunning = 256)
{
    /// <summary>What does not fit together, or null.</summary>
    public string? Problem() =>
        AttentionWorkers < 1 ? "--attention-workers must be at least 1."
        : ExpertWorkers < 0 ? "--expert-workers must be 0 or more."
        : ExpertReplicas < 1 ? "--expert-replicas must be at least 1."
        : ExpertWorkers > 0 && ExpertReplicas > ExpertWorkers ? $"--expert-replicas {ExpertReplicas} exceeds --expert-workers {ExpertWorkers}."
        : KvCacheTokens < 0 ? "--kv-cache-tokens must be 0 or more."
        : MaxBatchTokens < 1 || MaxRunning < 1 ? "--max-batch-tokens and --max-running must be at least 1."
        : null;
}
