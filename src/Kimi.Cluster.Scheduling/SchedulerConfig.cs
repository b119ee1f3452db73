namespace Kimi.Cluster.Scheduling;

/// <summary>The limits one <see cref="Scheduler{TRequest}"/> plans under.</summary>
public sealed record SchedulerConfig
{
    /// <param name="maxModelLength">The model's context: prompt plus output tokens of one sequence.</param>
    /// <param name="maxBatchTokens">Tokens computed in one step, over all sequences (the chunked-prefill budget).</param>
    /// <param name="maxRunning">Sequences holding KV blocks at once.</param>
    /// <param name="maxWaiting">Requests queued before <see cref="Scheduler{TRequest}.TryAdd"/> refuses new ones.</param>
    public SchedulerConfig(int maxModelLength, int maxBatchTokens, int maxRunning, int maxWaiting)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxModelLength);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBatchTokens);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRunning);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxWaiting);
        // Every running sequence must be able to decode in every step, or the newest would starve.
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchTokens, maxRunning);
        MaxModelLength = maxModelLength;
        MaxBatchTokens = maxBatchTokens;
        MaxRunning = maxRunning;
        MaxWaiting = maxWaiting;
    }

    public int MaxModelLength { get; }

    public int MaxBatchTokens { get; }

    public int MaxRunning { get; }

    public int MaxWaiting { get; }
}
