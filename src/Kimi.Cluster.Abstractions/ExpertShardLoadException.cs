namespace Kimi.Cluster.Abstractions;

/// <summary>
/// An expert shard's weights could not be loaded: a tensor is missing or malformed, the format
/// is not supported, a file cannot be read. Crosses Orleans (the loader's own exception types do
/// not), so the attention worker that asked, and the launcher and router behind it, see the reason.
/// A load that failed this way fails again: callers do not retry it.
/// </summary>
[GenerateSerializer]
public sealed class ExpertShardLoadException : Exception
{
    public ExpertShardLoadException()
    {
    }

    public ExpertShardLoadException(string message)
        : base(message)
    {
    }

    public ExpertShardLoadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ExpertShardLoadException(int shard, int replica, string reason)
        : base($"expert shard {shard} (replica {replica}) could not be loaded: {reason}")
    {
        Shard = shard;
        Replica = replica;
        Reason = reason;
    }

    [Id(0)]
    public int Shard { get; init; }

    [Id(1)]
    public int Replica { get; init; }

    /// <summary>What the loader said: the tensor, the shard file and what is wrong.</summary>
    [Id(2)]
    public string Reason { get; init; } = "";
}
