using System.CommandLine;
using Kimi.Cluster.Launch;
using Kimi.Cluster.Router.Local;
using Kimi.Cluster.ServiceDefaults;

namespace Kimi.Cluster.Router.Cli;

/// <summary>Owns the `local` subcommand's options; <see cref="LocalCluster"/> runs it.</summary>
public static class LocalCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model")
        {
            Description = "Hugging Face model directory; omit it to serve the built-in tiny model.",
        };
        model.Validators.Add(result =>
        {
            string? directory = result.GetValueOrDefault<string?>();
            if (directory is not null && !Directory.Exists(directory))
                result.AddError($"--model: directory '{directory}' does not exist.");
        });
        var experts = new ExpertOptions();
        var attentionDll = WorkerDll(WorkerProgram.Attention);
        var expertDll = WorkerDll(WorkerProgram.Expert);
        var startTimeout = new Option<int>("--worker-start-timeout")
        {
            Description = "Seconds to wait for each worker to load its model (or its experts) and listen.",
            DefaultValueFactory = _ => 300,
        };
        startTimeout.Validators.Add(result =>
        {
            if (result.TryGetValue(out int seconds) && seconds < 1)
                result.AddError("--worker-start-timeout must be at least 1 second.");
        });
        var attentionWorkers = new Option<int>("--attention-workers")
        {
            Description = "Attention-worker processes; the router spreads requests over all of them.",
            DefaultValueFactory = _ => 1,
        };
        attentionWorkers.Validators.Add(result =>
        {
            if (result.TryGetValue(out int workers) && workers is < 1 or > 64)
                result.AddError("--attention-workers must be in 1..64.");
        });
        var http = new HttpOptions();
        var engine = new EngineOptions();
        var limits = new LimitOptions();
        var tls = new ClusterTlsOptions();
        var command = new Command("local",
            "Start the expert workers (if any) and the attention workers on this machine, and serve the HTTP API in front of them.")
        {
            model, attentionWorkers, attentionDll, expertDll, startTimeout,
        };
        experts.AddTo(command);
        engine.AddTo(command);
        http.AddTo(command);
        limits.AddTo(command);
        tls.AddTo(command);
        command.SetAction((parse, cancellation) => !tls.TryRead(parse, out var clusterTls) ? Task.FromResult(2) : LocalCluster.RunAsync(
            new LocalClusterOptions(
                parse.GetValue(model),
                experts.ReadLayout(parse),
                parse.GetValue(attentionDll),
                parse.GetValue(expertDll),
                TimeSpan.FromSeconds(parse.GetValue(startTimeout)),
                experts.ReadCallTimeout(parse),
                parse.GetRequiredValue(http.Host),
                parse.GetValue(http.Port))
            {
                EngineArguments = [.. engine.Read(parse), .. experts.ReadAttentionArguments(parse)],
                OrleansRedis = parse.GetValue(experts.OrleansRedis),
                GrpcPort = parse.GetValue(http.GrpcPort),
                AttentionWorkers = parse.GetValue(attentionWorkers),
                Limits = limits.ReadLimits(parse),
                Images = limits.ReadImages(parse),
                Routing = limits.ReadRouting(parse),
                Tls = clusterTls,
            },
            cancellation));
        return command;
    }

    private static Option<string?> WorkerDll(WorkerProgram program) => new(program.OptionName)
    {
        Description = $"Path of {program.DllFileName} (default: ${program.EnvironmentVariable}, else the build output next to the router's sources).",
    };
}
