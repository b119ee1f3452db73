namespace Kimi.Cluster.Abstractions;

/// <summary>
/// One replica of an expert shard, keyed "shard/replica". Its activation loads that shard's
/// tensors into the silo's data plane; activations themselves travel over gRPC, never here.
/// </summary>
public interface IExpertShardGrain : IGrainWithStringKey
{
    /// <summary>Activates (loading the weights if needed) and says where the data plane serves it.</summary>
    ValueTask<ShardActivation> EnsureLoaded();

    public static string Key(int shard, int replica) => $"{shard}/{replica}";
}
