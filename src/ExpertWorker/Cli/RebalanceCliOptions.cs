using System.CommandLine;
using Kimi.Cluster.ExpertWorker.Hosting;
using Kimi.Cluster.ServiceDefaults;

namespace Kimi.Cluster.ExpertWorker.Cli;

/// <summary>The expert worker's rebalancing options (the same on every worker: the rebalancer runs on one of them).</summary>
public sealed class RebalanceCliOptions
{
    private static readonly RebalanceOptions Defaults = new();

    public Option<string> Mode { get; } = Create<string>("--rebalance",
        "on: move and replicate experts as routed load shifts; off: keep the layout placed at start (an admin call still rebalances).", "on");

    public Option<double> Period { get; } = Create("--rebalance-period", "Seconds between rebalances while tokens are routed.", Defaults.Period.TotalSeconds);

    public Option<double> Threshold { get; } = Create("--rebalance-threshold",
        "Rebalance early when the busiest shard's routed tokens over the mean (summed over MoE layers) reaches this.", Defaults.DriftThreshold);

    public Option<double> MinInterval { get; } = Create("--rebalance-min-interval",
        "Least seconds between two rebalances that a drift starts.", Defaults.MinInterval.TotalSeconds);

    public Option<long> MinRoutedPairs { get; } = Create("--rebalance-min-pairs",
        "Routed (token, expert) pairs the last minute must hold before a rebalance is planned from it.", Defaults.MinRoutedPairs);

    public Option<int> RedundantSlots { get; } = Create("--redundant-experts",
        "Expert slots per shard beyond its even share, for replicas of hot experts.", Defaults.RedundantSlots);

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        Mode.AcceptOnlyFromAmong("on", "off");
        foreach (var option in new Option[] { Mode, Period, Threshold, MinInterval, MinRoutedPairs, RedundantSlots })
            command.Add(option);
        command.Validators.Add(result =>
        {
            if (result.GetResult(Period).TryGetValue(out double period) && period is not (>= 1 and <= 86_400 * 30))
                result.AddError("--rebalance-period must be 1 second to 30 days.");
            if (result.GetResult(Threshold).TryGetValue(out double threshold) && !(threshold >= 1))
                result.AddError("--rebalance-threshold must be 1 or more (1 is a perfectly even load).");
            if (result.GetResult(MinInterval).TryGetValue(out double interval) && interval is not (>= 0 and <= 86_400 * 30))
                result.AddError("--rebalance-min-interval must be 0 seconds to 30 days.");
            if (result.GetResult(MinRoutedPairs).TryGetValue(out long pairs) && pairs < 0)
                result.AddError("--rebalance-min-pairs must be 0 or more.");
            if (result.GetResult(RedundantSlots).TryGetValue(out int slots) && slots < 0)
                result.AddError("--redundant-experts must be 0 or more.");
        });
    }

    public RebalanceOptions Read(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return new RebalanceOptions
        {
            Enabled = parse.GetValue(Mode) != "off",
            Period = TimeSpan.FromSeconds(parse.GetValue(Period)),
            DriftThreshold = parse.GetValue(Threshold),
            MinInterval = TimeSpan.FromSeconds(parse.GetValue(MinInterval)),
            MinRoutedPairs = parse.GetValue(MinRoutedPairs),
            RedundantSlots = parse.GetValue(RedundantSlots),
        };
    }

    private static Option<T> Create<T>(string name, string description, T defaultValue) =>
        new(name) { Description = description, DefaultValueFactory = _ => defaultValue };
}
