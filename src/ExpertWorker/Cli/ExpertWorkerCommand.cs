using System.CommandLine;
using System.Net;
using Kimi.Cluster.Abstractions;
using Kimi.Cluster.ExpertWorker.Hosting;
using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.ServiceDefaults;

namespace Kimi.Cluster.ExpertWorker.Cli;

/// <summary>Owns the expert worker's command line: options, their checks, and the action that runs the host.</summary>
public static class ExpertWorkerCommand
{
    public static RootCommand Create()
    {
        var model = new Option<string?>("--model") { Description = "Hugging Face model directory; omit it for the built-in tiny model." };
        model.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } directory && !Directory.Exists(directory))
                result.AddError($"--model: directory '{directory}' does not exist.");
        });
        var siloPort = Port("--silo-port", "Orleans silo port.", required: true);
        var gatewayPort = Port("--gateway-port", "Orleans gateway port (attention workers connect here).", required: true);
        var primary = Port("--primary-silo-port", "Silo port of the primary silo that keeps the membership table (`local` hosts it); localhost clustering only.", required: false);
        var dataPlanePort = Port("--data-plane-port", "gRPC data-plane port; 0 picks a free one.", required: false);
        var redis = new Option<string?>("--orleans-redis")
        {
            Description = $"Redis connection string (e.g. redis:6379) of the Orleans membership table; default: ${ClusterIdentity.RedisEnvironmentVariable}, else localhost clustering.",
        };
        var advertise = new Option<string?>("--advertise-address")
        {
            Description = "IP address other silos and attention workers reach this worker at (Redis membership only); default: $POD_IP, else 127.0.0.1.",
        };
        advertise.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } text && !IPAddress.TryParse(text, out _))
                result.AddError($"--advertise-address: '{text}' is not an IP address.");
        });
        var shards = Positive("--shards", "How many shards the routed experts are split into.");
        var replicas = Positive("--replicas", "How many replicas of each shard to keep.");
        var parentPid = new Option<int?>("--parent-pid") { Description = "Exit when the process with this id exits." };
        var metricsPort = new Option<int?>("--metrics-port")
        {
            Description = "Loopback HTTP/1.1 port serving Prometheus metrics at /metrics (the data plane is HTTP/2 only); 0 picks a free one. Omitted: none.",
        };
        metricsPort.Validators.Add(result =>
        {
            if (result.TryGetValue(out int? port) && port is < 0 or > 65535)
                result.AddError("--metrics-port must be in 0..65535.");
        });

        var loadThreads = Positive("--load-threads", "MoE layers of a shard loaded at once, so several checkpoint shards are read in parallel.",
            ParallelLoad.DefaultThreads);
        var handoffTimeout = new Option<double>("--handoff-timeout")
        {
            Description = "Seconds a worker asked to leave while serving (SIGTERM, ExpertAdmin.Leave) may spend handing its experts to the other "
                + "workers before it leaves anyway; its stop takes up to this and 30 s more.",
            DefaultValueFactory = _ => ExpertWorkerOptions.DefaultHandoffTimeout.TotalSeconds,
        };
        handoffTimeout.Validators.Add(result =>
        {
            if (result.TryGetValue(out double seconds) && seconds is < 0 or > 3600)
                result.AddError("--handoff-timeout must be in 0..3600 seconds.");
        });
        var deviceTag = new Option<string>("--device-tag")
        {
            Description = "What kind of worker this is (cpu, gpu, ...): published to placement, shown in its logs.",
            DefaultValueFactory = _ => "cpu",
        };
        var shardBudget = new Option<int?>("--shard-budget")
        {
            Description = "The most shard replicas placement gives this worker, so that mixed kinds of worker get different shares; "
                + "placement also keeps it within what its memory holds. Omitted: no limit but memory.",
        };
        shardBudget.Validators.Add(result =>
        {
            if (result.TryGetValue(out int? value) && value < 0)
                result.AddError("--shard-budget must be 0 or more.");
        });
        var placementDevices = new Option<string[]>("--placement-devices")
        {
            Description = "Device tags (--device-tag) of the workers that may hold shard replicas, comma-separated; the same on every "
                + "worker. Omitted: every worker.",
            CustomParser = result => [.. result.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))],
        };
        var tls = new ClusterTlsOptions();
        var rebalance = new RebalanceCliOptions();
        var root = new RootCommand("Kimi Cluster expert worker: an Orleans silo owning expert shards, with a gRPC data plane on 127.0.0.1.")
        {
            model, siloPort, gatewayPort, primary, dataPlanePort, shards, replicas, parentPid, redis, advertise, metricsPort, loadThreads,
            handoffTimeout, deviceTag, shardBudget, placementDevices,
        };
        tls.AddTo(root);
        rebalance.AddTo(root);
        root.SetAction((parse, cancellation) =>
        {
            string? redisConnection = ClusterIdentity.ResolveRedis(parse.GetValue(redis));
            if (redisConnection is null && parse.GetResult(primary) is null)
            {
                Console.Error.WriteLine("--primary-silo-port is required without --orleans-redis (localhost clustering).");
                return Task.FromResult(2);
            }
            if (!ClusterCredential.TryReadEnvironment(out var credential) || !tls.TryRead(parse, out var clusterTls))
                return Task.FromResult(2);
            return ExpertWorkerHost.RunAsync(new ExpertWorkerOptions(
                parse.GetValue(model), parse.GetValue(siloPort), parse.GetValue(gatewayPort), parse.GetValue(primary),
                parse.GetValue(dataPlanePort), parse.GetValue(shards), parse.GetValue(replicas), parse.GetValue(parentPid),
                redisConnection, AdvertiseAddress(parse.GetValue(advertise)), parse.GetValue(metricsPort))
            {
                LoadThreads = parse.GetValue(loadThreads),
                Rebalance = rebalance.Read(parse),
                HandoffTimeout = TimeSpan.FromSeconds(parse.GetValue(handoffTimeout)),
                DeviceTag = parse.GetValue(deviceTag) ?? "cpu",
                ShardBudget = parse.GetValue(shardBudget),
                PlacementDevices = parse.GetValue(placementDevices) is { Length: > 0 } devices ? devices : null,
                Credential = credential,
                Tls = clusterTls,
            }, cancellation);
        });
        return root;
    }

    /// <summary>--advertise-address, else the pod's IP (Kubernetes' downward API sets POD_IP), else loopback.</summary>
    private static IPAddress AdvertiseAddress(string? option) =>
        IPAddress.TryParse(option ?? Environment.GetEnvironmentVariable("POD_IP"), out var address) ? address : IPAddress.Loopback;

    private static Option<int> Port(string name, string description, bool required)
    {
        var option = new Option<int>(name) { Description = description, Required = required };
        option.Validators.Add(result =>
        {
            if (result.TryGetValue(out int port) && port is < 0 or > 65535)
                result.AddError($"{name} must be in 0..65535.");
        });
        return option;
    }

    private static Option<int> Positive(string name, string description, int defaultValue = 1)
    {
        var option = new Option<int>(name) { Description = description, DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(result =>
        {
            if (result.TryGetValue(out int value) && value < 1)
                result.AddError($"{name} must be at least 1.");
        });
        return option;
    }
}
