using System.CommandLine;
using Kimi.Cluster.Abstractions;
using Kimi.Cluster.AttentionWorker.Batching;
using Kimi.Cluster.AttentionWorker.Experts;
using Kimi.Cluster.AttentionWorker.Hosting;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.ServiceDefaults;

namespace Kimi.Cluster.AttentionWorker.Cli;

/// <summary>Owns the worker's command line: its options, their checks, and the action that runs the host.</summary>
public static class WorkerCommand
{
    public static RootCommand Create()
    {
        var model = new Option<string?>("--model")
        {
            Description = "Hugging Face model directory (config.json + safetensors); omit it to serve the built-in tiny model.",
        };
        model.Validators.Add(result =>
        {
            string? directory = result.GetValueOrDefault<string?>();
            if (directory is not null && !Directory.Exists(directory))
                result.AddError($"--model: directory '{directory}' does not exist.");
        });
        var port = new Option<int>("--port") { Description = "Loopback port to listen on; 0 picks a free one.", DefaultValueFactory = _ => 0 };
        port.Validators.Add(result =>
        {
            if (result.TryGetValue(out int port) && port is < 0 or > 65535)
                result.AddError("--port must be in 0..65535.");
        });
        var metricsPort = new Option<int?>("--metrics-port")
        {
            Description = "Loopback HTTP/1.1 port serving Prometheus metrics at /metrics (the gRPC port is HTTP/2 only); 0 picks a free one. Omitted: none.",
        };
        metricsPort.Validators.Add(result =>
        {
            if (result.TryGetValue(out int? port) && port is < 0 or > 65535)
                result.AddError("--metrics-port must be in 0..65535.");
        });
        var parentPid = new Option<int?>("--parent-pid")
        {
            Description = "Exit when the process with this id exits (the router that started this worker).",
        };
        var gatewayPorts = new Option<string?>("--expert-gateway-ports")
        {
            Description = "Orleans gateway ports of the expert workers on 127.0.0.1, e.g. 30001,30002; omit them to run the routed experts in this worker.",
        };
        gatewayPorts.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } text && PortList.TryParse(text, out string error) is null)
                result.AddError($"--expert-gateway-ports: {error}.");
        });
        var redis = new Option<string?>("--orleans-redis")
        {
            Description = $"Redis connection string of the expert cluster's Orleans membership table (instead of --expert-gateway-ports); default: ${ClusterIdentity.RedisEnvironmentVariable}.",
        };
        var drainTimeout = Seconds("--drain-timeout", WorkerOptions.DefaultDrainTimeout,
            "Seconds a stopping worker (SIGTERM) lets running generations finish before it cancels them.");
        var callTimeout = Seconds("--expert-call-timeout", ExpertClusterOptions.DefaultCallTimeout,
            "Seconds one expert batch may take before its expert worker counts as failed and the batch goes to another replica.");
        var wireDtype = new Option<string>("--expert-wire-dtype")
        {
            Description = "How activations travel to the expert workers and back: float32 (exact) or bfloat16 (half the bytes, ~3 significant digits).",
            DefaultValueFactory = _ => "float32",
        };
        wireDtype.AcceptOnlyFromAmong("float32", "bfloat16");
        var connectTimeout = Seconds("--expert-connect-timeout", ExpertClusterOptions.DefaultConnectTimeout,
            "Seconds to keep trying to reach the expert cluster and read its placement table at startup.");

        var defaults = BatchingOptions.Default;
        var kvCacheTokens = Positive("--kv-cache-tokens", defaults.KvCacheTokens, "Tokens the paged KV cache holds, over all sequences.");
        var kvCacheBytes = new Option<long?>("--kv-cache-bytes")
        {
            Description = "KV cache size in bytes instead of tokens (float32 latent + rope key per token per layer); overrides --kv-cache-tokens.",
        };
        var blockSize = Positive("--block-size", defaults.BlockSize, "Tokens per KV-cache block (the unit of allocation and prefix sharing).");
        var maxBatchTokens = Positive("--max-batch-tokens", defaults.MaxBatchTokens, "Tokens computed in one step: decodes plus prefill chunks.");
        var maxRunning = Positive("--max-running", defaults.MaxRunning, "Sequences running (holding KV blocks) at once; at most --max-batch-tokens.");
        var maxWaiting = Positive("--max-waiting", defaults.MaxWaiting, "Queued requests before new ones are refused (RESOURCE_EXHAUSTED).");

        var host = new Option<string>("--host")
        {
            Description = "IP address to listen on (gRPC and metrics): 127.0.0.1 by default; 0.0.0.0 where a router on another machine calls it.",
            DefaultValueFactory = _ => "127.0.0.1",
        };
        host.Validators.Add(result =>
        {
            if (!System.Net.IPAddress.TryParse(result.GetValueOrDefault<string>(), out _))
                result.AddError("--host must be an IP address, e.g. 127.0.0.1 or 0.0.0.0.");
        });
        var loadThreads = Positive("--load-threads", ParallelLoad.DefaultThreads,
            "Layers loaded at once, so several checkpoint shards are read in parallel.");
        var root = new RootCommand("Kimi Cluster attention worker: serves one model over gRPC (HTTP/2).")
        {
            model, host, port, metricsPort, parentPid, gatewayPorts, redis, callTimeout, wireDtype, connectTimeout, drainTimeout,
            kvCacheTokens, kvCacheBytes, blockSize, maxBatchTokens, maxRunning, maxWaiting, loadThreads,
        };
        var tls = new ClusterTlsOptions();
        tls.AddTo(root);
        root.SetAction((parse, cancellation) =>
        {
            string? redisConnection = ClusterIdentity.ResolveRedis(parse.GetValue(redis));
            var experts = parse.GetValue(gatewayPorts) is not null || redisConnection is not null
                ? new ExpertClusterOptions(parse.GetValue(gatewayPorts) is { } ports ? PortList.TryParse(ports, out _)! : [],
                    TimeSpan.FromSeconds(parse.GetValue(callTimeout)), TimeSpan.FromSeconds(parse.GetValue(connectTimeout)))
                    {
                        OrleansRedis = redisConnection,
                        WireDtype = parse.GetValue(wireDtype) == "bfloat16" ? ActivationDType.Bfloat16 : ActivationDType.Float32,
                    }
                : null;
            long cacheTokens = parse.GetValue(kvCacheBytes) is long bytes
                ? KvCacheSizing.TokensFor(bytes, parse.GetValue(model))
                : parse.GetValue(kvCacheTokens);
            var batching = new BatchingOptions(cacheTokens, parse.GetValue(blockSize),
                parse.GetValue(maxBatchTokens), parse.GetValue(maxRunning), parse.GetValue(maxWaiting));
            // Checked here, after defaults are applied: a validator sees 0 for options not given.
            if (batching.Problem() is { } problem)
            {
                Console.Error.WriteLine(problem);
                return Task.FromResult(2);
            }
            if (!ClusterCredential.TryReadEnvironment(out var credential) || !tls.TryRead(parse, out var clusterTls))
                return Task.FromResult(2);
            return WorkerHost.RunAsync(
                new WorkerOptions(parse.GetValue(model), parse.GetValue(port), parse.GetValue(parentPid), experts, batching,
                    parse.GetValue(metricsPort))
                {
                    DrainTimeout = TimeSpan.FromSeconds(parse.GetValue(drainTimeout)),
                    ListenAddress = System.Net.IPAddress.Parse(parse.GetRequiredValue(host)),
                    LoadThreads = parse.GetValue(loadThreads),
                    Credential = credential,
                    Tls = clusterTls,
                }, cancellation);
        });
        return root;
    }

    private static Option<T> Positive<T>(string name, T defaultValue, string description)
        where T : struct, System.Numerics.INumber<T>
    {
        var option = new Option<T>(name) { Description = description, DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(result =>
        {
            if (result.TryGetValue(out T value) && value <= T.Zero)
                result.AddError($"{name} must be positive.");
        });
        return option;
    }

    private static Option<double> Seconds(string name, TimeSpan defaultValue, string description)
    {
        var option = new Option<double>(name) { Description = description, DefaultValueFactory = _ => defaultValue.TotalSeconds };
        option.Validators.Add(result =>
        {
            if (result.TryGetValue(out double seconds) && seconds is not (> 0 and <= 3600))
                result.AddError($"{name} must be more than 0 and at most 3600 seconds.");
        });
        return option;
    }
}
