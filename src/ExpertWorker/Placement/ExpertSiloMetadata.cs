using System.Globalization;

namespace Kimi.Cluster.ExpertWorker.Placement;

/// <summary>
/// What an expert worker tells placement about itself through Orleans' silo metadata: its kind
/// of device (a tag: "cpu", "gpu", ...), the most shard replicas it is given (--shard-budget), and
/// the memory it may use. Placement keeps each worker within the budget these allow.
/// </summary>
public static class ExpertSiloMetadata
{
    public const string DeviceKey = "kimi.device";
    public const string ShardBudgetKey = "kimi.shard-budget";
    public const string MemoryBytesKey = "kimi.memory-bytes";

    /// <summary>The share of its memory a worker's expert weights may take (the rest: runtime, activations, gRPC buffers).</summary>
    public const double WeightShareOfMemory = 0.9;

    /// <summary>The metadata a worker publishes.</summary>
    public static Dictionary<string, string> Publish(string deviceTag, int? shardBudget, long memoryBytes)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [DeviceKey] = deviceTag,
            [MemoryBytesKey] = memoryBytes.ToString(CultureInfo.InvariantCulture),
        };
        if (shardBudget is int budget)
            metadata[ShardBudgetKey] = budget.ToString(CultureInfo.InvariantCulture);
        return metadata;
    }

    public static string Device(IReadOnlyDictionary<string, string> metadata) =>
        metadata.TryGetValue(DeviceKey, out var device) ? device : "unknown";

    /// <summary>
    /// The most shard replicas a worker with <paramref name="metadata"/> can hold: its --shard-budget,
    /// and no more than its memory fits at <paramref name="replicaBytes"/> each (when known, > 0).
    /// <see cref="int.MaxValue"/> when neither limits it (metadata not there yet, say).
    /// </summary>
    public static int Budget(IReadOnlyDictionary<string, string> metadata, long replicaBytes)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        int budget = metadata.TryGetValue(ShardBudgetKey, out var text) && int.TryParse(text, CultureInfo.InvariantCulture, out int given)
            ? given : int.MaxValue;
        if (replicaBytes > 0 && metadata.TryGetValue(MemoryBytesKey, out var memoryText)
            && long.TryParse(memoryText, CultureInfo.InvariantCulture, out long memory))
        {
            budget = (int)Math.Min(budget, (long)(memory * WeightShareOfMemory) / replicaBytes);
        }
        return Math.Max(0, budget);
    }
}
