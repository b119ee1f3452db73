using Kimi.Cluster.Abstractions;

namespace Kimi.Cluster.AttentionWorker.Experts;

/// <summary>
/// The expert cluster could not be reached, or gave no usable placement table, before the connect
/// timeout; or one of its shards could not be loaded, which no wait would mend.
/// </summary>
public sealed class ExpertClusterUnreachableException(string message, Exception innerException) : Exception(message, innerException)
{
    /// <summary>An expert shard failed to load (the message says which and why): starting again would fail the same way.</summary>
    public bool ShardLoadFailed => InnerException is ExpertShardLoadException;
}
