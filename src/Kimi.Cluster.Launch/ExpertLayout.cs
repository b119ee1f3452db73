namespace Kimi.Cluster.Launch;

/// <summary>How the routed experts are spread: over how many expert workers, in how many shards, each kept how many times.</summary>
/// <param name="Workers">Expert-worker processes; 0 runs the routed experts inside the attention worker.</param>
/// <param name="Shards">Contiguous expert ranges the experts are split into.</param>
/// <param name="Replicas">Copies of each shard, on different workers (at most <paramref name="Workers"/>).</param>
public sealed record ExpertLayout(int Workers, int Shards, int Replicas)
{
    public static ExpertLayout InProcess { get; } = new(0, 0, 0);

    /// <summary>Further expert-worker options, passed to each as given (how the rebalancer runs).</summary>
    public IReadOnlyList<string> WorkerArguments { get; init; } = [];

    public bool IsDistributed => Workers > 0;

    /// <summary>What is wrong with the combination, or null when it can run.</summary>
    public string? Problem() =>
        Workers < 0 ? "--expert-workers must be 0 or more."
        : Workers == 0 ? null
        : Shards < 1 ? "--expert-shards must be at least 1."
        : Replicas < 1 ? "--expert-replicas must be at least 1."
        : Replicas > Workers ? $"--expert-replicas {Replicas} exceeds --expert-workers {Workers}: the replicas of a shard must live on different expert workers."
        : null;
}
