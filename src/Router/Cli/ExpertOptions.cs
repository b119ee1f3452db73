using System.CommandLine;
using System.CommandLine.Parsing;
using Kimi.Cluster.Launch;
using Kimi.Cluster.ServiceDefaults;

namespace Kimi.Cluster.Router.Cli;

/// <summary>Owns `local`'s expert-parallel options and the check that they fit together.</summary>
public sealed class ExpertOptions
{
    public Option<int> Workers { get; } = new("--expert-workers")
    {
        Description = "Expert-worker processes (Orleans silos owning the routed experts); 0 runs the routed experts inside the attention worker.",
        DefaultValueFactory = _ => 0,
    };

    public Option<int?> Shards { get; } = new("--expert-shards")
    {
        Description = "Shards the routed experts are split into (contiguous ranges at start; the rebalancer moves and replicates experts between them); default: one per expert worker.",
    };

    public Option<int> Replicas { get; } = new("--expert-replicas")
    {
        Description = "Copies of each shard, on different expert workers; at most --expert-workers.",
        DefaultValueFactory = _ => 1,
    };

    public Option<string?> OrleansRedis { get; } = new("--orleans-redis")
    {
        Description = "Redis connection string (e.g. 127.0.0.1:6379): the expert workers meet in its Orleans membership table instead of localhost clustering.",
    };

    public Option<double?> CallTimeout { get; } = new("--expert-call-timeout")
    {
        Description = "Seconds one expert batch may take before the attention worker sends it to another replica (default 30).",
    };

    public Option<string?> WireDtype { get; } = CreateWireDtype();

    public Option<string?> Rebalance { get; } = Passed("--rebalance",
        "on (default): the expert workers move and replicate experts as routed load shifts; off: keep the layout placed at start.");

    public Option<string?> RebalancePeriod { get; } = Passed("--rebalance-period", "Seconds between expert rebalances while tokens are routed (default 600).");

    public Option<string?> RebalanceThreshold { get; } = Passed("--rebalance-threshold",
        "Rebalance early when the busiest expert shard's routed tokens over the mean reaches this (default 1.3).");

    public Option<string?> RebalanceMinInterval { get; } = Passed("--rebalance-min-interval", "Least seconds between two drift-started rebalances (default 60).");

    public Option<string?> RebalanceMinPairs { get; } = Passed("--rebalance-min-pairs",
        "Routed (token, expert) pairs the last minute must hold before a rebalance is planned (default 20000).");

    public Option<string?> RedundantExperts { get; } = Passed("--redundant-experts",
        "Expert slots per shard beyond its even share, for replicas of hot experts (default 1).");

    private IEnumerable<Option<string?>> RebalanceOptions =>
        [Rebalance, RebalancePeriod, RebalanceThreshold, RebalanceMinInterval, RebalanceMinPairs, RedundantExperts];

    /// <summary>An expert-worker option `local` passes through as given; the workers check it, and a bad value stops them with its message.</summary>
    private static Option<string?> Passed(string name, string description) => new(name) { Description = description };

    private static Option<string?> CreateWireDtype()
    {
        var option = new Option<string?>("--expert-wire-dtype")
        {
            Description = "How activations travel between attention and expert workers: float32 (exact, the default) or bfloat16 (half the bytes, ~3 significant digits).",
        };
        option.AcceptOnlyFromAmong("float32", "bfloat16");
        return option;
    }

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Add(Workers);
        command.Add(WireDtype);
        command.Add(Shards);
        command.Add(Replicas);
        command.Add(CallTimeout);
        command.Add(OrleansRedis);
        foreach (var option in RebalanceOptions)
            command.Add(option);
        command.Validators.Add(Check);
    }

    public ExpertLayout ReadLayout(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        int workers = parse.GetValue(Workers);
        return workers == 0 ? ExpertLayout.InProcess : new ExpertLayout(workers, parse.GetValue(Shards) ?? workers, parse.GetValue(Replicas))
        {
            WorkerArguments = [.. RebalanceOptions.Where(o => parse.GetValue(o) is not null).SelectMany(o => new[] { o.Name, parse.GetValue(o)! })],
        };
    }

    /// <summary>The attention worker's own options among these, passed through as given.</summary>
    public IReadOnlyList<string> ReadAttentionArguments(ParseResult parse) =>
        parse.GetValue(WireDtype) is { } dtype ? ["--expert-wire-dtype", dtype] : [];

    public TimeSpan? ReadCallTimeout(ParseResult parse) =>
        parse.GetValue(CallTimeout) is double seconds ? TimeSpan.FromSeconds(seconds) : null;

    private void Check(CommandResult result)
    {
        // Options left out have no result yet while command validators run: use their defaults. A
        // value that does not convert is the parser's error, and the layout cannot be checked.
        if (!result.GetResult(Workers).TryGetValueOr(0, out int workers)
            || !result.GetResult(Shards).TryGetValueOr(null, out int? shards)
            || !result.GetResult(Replicas).TryGetValueOr(1, out int replicas))
        {
            return;
        }
        if (workers == 0 && (shards is not null || replicas != 1 || result.GetResult(OrleansRedis) is not null || result.GetResult(WireDtype) is not null
            || RebalanceOptions.Any(o => result.GetResult(o) is not null)))
        {
            result.AddError("--expert-shards, --expert-replicas, --expert-wire-dtype, --orleans-redis and the rebalance options need --expert-workers 1 or more.");
            return;
        }
        if (new ExpertLayout(workers, shards ?? workers, replicas).Problem() is { } problem)
            result.AddError(problem);
        if (result.GetResult(CallTimeout).TryGetValue(out double? timeout) && timeout is double seconds && seconds is not (> 0 and <= 3600))
            result.AddError("--expert-call-timeout must be more than 0 and at most 3600 seconds.");
    }
}
