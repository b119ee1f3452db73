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
    /// Moves this replica to <paramref name="silo"/> (Orleans migration, once the call returns):
    /// how placement evens out the workers after one came back. It loads there; the weights it
    /// leaves are freed unless another replica on its old silo still holds them.
    /// </summary>
    ValueTask MoveTo(SiloAddress silo);

    public static string Key(int shard, int replica) => $"{shard}/{replica}";
}
