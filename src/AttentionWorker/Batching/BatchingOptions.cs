using Kimi.Cluster.Scheduling;

namespace Kimi.Cluster.AttentionWorker.Batching;

/// <summary>
/// The continuous batcher's limits, from the worker's command line: the paged KV cache's size
/// and the scheduler's budgets.
/// </summary>
/// <param name="KvCacheTokens">Tokens the paged KV cache holds, over all sequences (rounded down to whole blocks).</param>
/// <param name="BlockSize">Tokens per KV block, the unit of allocation and prefix sharing.</param>
/// <param name="MaxBatchTokens">Tokens computed in one step (decodes plus prefill chunks).</param>
/// <param name="MaxRunning">Sequences holding KV blocks at once.</param>
/// <param name="MaxWaiting">Queued requests before new ones are refused.</param>
public sealed record BatchingOptions(
    long KvCacheTokens = 65536, int BlockSize = 16, int MaxBatchTokens = 2048, int MaxRunning = 256, int MaxWaiting = 1024)
{
    public static BatchingOptions Default { get; } = new();

    /// <summary>What does not fit together, as a message naming the options; null when all is well.</summary>
    public string? Problem() =>
        KvCacheTokens < BlockSize ? $"--kv-cache-tokens ({KvCacheTokens}) must hold at least one block of --block-size ({BlockSize}) tokens."
        : MaxRunning > MaxBatchTokens ? $"--max-running ({MaxRunning}) must not exceed --max-batch-tokens ({MaxBatchTokens}): every running sequence decodes in every step."
        : null;

    public CacheSize CacheSize => CacheSize.FromTokens(KvCacheTokens, BlockSize);

    /// <summary>The scheduler's limits for a model whose context is <paramref name="maxModelLength"/> tokens.</summary>
    public SchedulerConfig SchedulerConfig(int maxModelLength) =>
        new(maxModelLength, MaxBatchTokens, MaxRunning, MaxWaiting);
}
