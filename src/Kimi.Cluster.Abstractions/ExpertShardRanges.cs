namespace Kimi.Cluster.Abstractions;

/// <summary>Which experts a shard owns: shards split the expert ids into contiguous, near-equal ranges.</summary>
public static class ExpertShardRanges
{
    public static (int FirstExpert, int ExpertCount) Of(int shard, int shardCount, int expertCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shardCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(shardCount, expertCount);
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(shard, shardCount);
        int first = (int)((long)shard * expertCount / shardCount);
        int end = (int)((long)(shard + 1) * expertCount / shardCount);
        return (first, end - first);
    }
}
