namespace Kimi.Cluster.ExpertWorker.Grains;

/// <summary>Reads the "shard/replica" key of an expert shard grain.</summary>
public static class ShardKey
{
    public static (int Shard, int Replica) Parse(string key)
    {
        var parts = key.Split('/');
        return parts.Length == 2 && int.TryParse(parts[0], out int shard) && int.TryParse(parts[1], out int replica) && shard >= 0 && replica >= 0
            ? (shard, replica)
            : throw new ArgumentException($"'{key}' is not an expert shard key (expected shard/replica)", nameof(key));
    }
}
