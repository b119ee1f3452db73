namespace Kimi.Cluster.Abstractions;

/// <summary>
/// One replica of an expert shard, keyed "shard/replica". Its activation loads that shard's
/// tensors into the silo's data plane; activations themselves travel over gRPC, never here.
/// </summary>
public interface IExpertShardGrain : IGrainWithStringKey
{
    /// <summary>Activates (loading the weights if needed) and says where the data plane serves it.</summary>
    ValueTask<ShardActivation> EnsureLoaded();

    /// <summary>
    /// Ends this activation, so that the next call places the replica again: how a replica placed
    /// elsewhere while a worker was down moves back once the worker has returned. The shard's
    /// weights stay loaded where another replica still holds them.
    /// </summary>
    ValueTask Replace();

    public static string Key(int shard, int replica) => $"{shard}/{replica}";
}
