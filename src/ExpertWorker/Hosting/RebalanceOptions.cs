namespace Kimi.Cluster.ExpertWorker.Hosting;

/// <summary>When and how far the expert rebalancer moves experts (the same on every expert worker).</summary>
public sealed record RebalanceOptions
{
    /// <summary>Off: the layout stays as placed at start; the rebalancer still counts, and an admin call still rebalances.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Rebalance at least this often while tokens are routed.</summary>
    public TimeSpan Period { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Rebalance early when the shards' imbalance over the window reaches this (1 = even).</summary>
    public double DriftThreshold { get; init; } = 1.3;

    /// <summary>The least time between two rebalances a drift starts, so a rebalance's effect is measured before the next.</summary>
    public TimeSpan MinInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Expert slots each shard has beyond its even share, for replicas of hot experts.</summary>
    public int RedundantSlots { get; init; } = 1;

    /// <summary>Routed pairs a window needs, summed over layers and attention workers, before it is worth planning from.</summary>
    public long MinRoutedPairs { get; init; } = 20_000;

    /// <summary>A plan that lowers the imbalance by less than this fraction is not carried out (unless asked for).</summary>
    public double MinGain { get; init; } = 0.02;

    /// <summary>How often the rebalancer looks at the window.</summary>
    public TimeSpan CheckEvery { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the attention workers get to route by the new table before the old copies are unloaded anyway.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Kept after every attention worker routes by the new table, for exchanges that were already under way.</summary>
    public TimeSpan DrainGrace { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>An attention worker that has not reported for this long is no longer counted or waited for.</summary>
    public TimeSpan ReporterExpiry { get; init; } = TimeSpan.FromSeconds(30);
}
