namespace Kimi.Cluster.Model.RoutedExperts;

/// <summary>
/// What one shard holds on this worker (the union over its replicas here, which share the
/// weights): its experts, and the checkpoint bytes, tensors and resident bytes read for them.
/// </summary>
public sealed record ShardHolding(
    int Shard, int Replica, IReadOnlyList<int> ExpertIds, long LoadedBytes, IReadOnlyList<string> TensorNames,
    IReadOnlyDictionary<string, long> ResidentBytes);
