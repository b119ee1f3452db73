using System.Collections.Immutable;

namespace Kimi.Cluster.Abstractions;

/// <summary>
/// One replica of an expert shard, keyed "shard/replica". It loads the experts placement gives
/// its shard into the silo's data plane; activations themselves travel over gRPC, never here.
/// </summary>
public interface IExpertShardGrain : IGrainWithStringKey
{
    /// <summary>
    /// Activates if needed and makes this replica hold <paramref name="expertIds"/> as well as what it
    /// holds already (loading the experts its silo does not have), then says where the data plane serves it.
    /// </summary>
    [ResponseTimeout("00:15:00")] // reading a shard's experts of a full-size checkpoint takes minutes
    ValueTask<ShardActivation> EnsureLoaded(ImmutableArray<int> expertIds);

    /// <summary>This replica keeps only <paramref name="expertIds"/>: the end of a rebalance, once nothing routes the others here.</summary>
    ValueTask<ShardActivation> Retain(ImmutableArray<int> expertIds);

    /// <summary>
    /// Moves this replica to <paramref name="silo"/> (Orleans migration, once the call returns):
    /// how placement evens out the workers after one came back. It loads there; the weights it
    /// leaves are freed unless another replica on its old silo still holds them.
    /// </summary>
    ValueTask MoveTo(SiloAddress silo);

    public static string Key(int shard, int replica) => $"{shard}/{replica}";
}
