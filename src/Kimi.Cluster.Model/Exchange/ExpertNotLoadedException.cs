namespace Kimi.Cluster.Model.Exchange;

/// <summary>
/// A batch names an expert this process does not hold (another worker's shard, or a shard not
/// loaded yet): the caller's placement is out of date, not its request malformed.
/// </summary>
public sealed class ExpertNotLoadedException(string message) : InvalidOperationException(message);
