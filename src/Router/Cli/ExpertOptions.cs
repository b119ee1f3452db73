using System.CommandLine;
using System.CommandLine.Parsing;
using Kimi.Cluster.Launch;

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
        Description = "Shards (contiguous expert ranges) the routed experts are split into; default: one per expert worker.",
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
        command.Validators.Add(Check);
    }

    public ExpertLayout ReadLayout(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        int workers = parse.GetValue(Workers);
        return workers == 0 ? ExpertLayout.InProcess : new ExpertLayout(workers, parse.GetValue(Shards) ?? workers, parse.GetValue(Replicas));
    }

    /// <summary>The attention worker's own options among these, passed through as given.</summary>
    public IReadOnlyList<string> ReadAttentionArguments(ParseResult parse) =>
        parse.GetValue(WireDtype) is { } dtype ? ["--expert-wire-dtype", dtype] : [];

    public TimeSpan? ReadCallTimeout(ParseResult parse) =>
        parse.GetValue(CallTimeout) is double seconds ? TimeSpan.FromSeconds(seconds) : null;

    private void Check(CommandResult result)
    {
        // Options left out have no result yet while command validators run: use their defaults.
        int workers = result.GetResult(Workers)?.GetValueOrDefault<int>() ?? 0;
        int? shards = result.GetResult(Shards)?.GetValueOrDefault<int?>();
        int replicas = result.GetResult(Replicas)?.GetValueOrDefault<int>() ?? 1;
        if (workers == 0 && (shards is not null || replicas != 1 || result.GetResult(OrleansRedis) is not null || result.GetResult(WireDtype) is not null))
        {
            result.AddError("--expert-shards, --expert-replicas, --expert-wire-dtype and --orleans-redis need --expert-workers 1 or more.");
            return;
        }
        if (new ExpertLayout(workers, shards ?? workers, replicas).Problem() is { } problem)
            result.AddError(problem);
        if (result.GetResult(CallTimeout)?.GetValueOrDefault<double?>() is double seconds && seconds is not (> 0 and <= 3600))
            result.AddError("--expert-call-timeout must be more than 0 and at most 3600 seconds.");
    }
}
