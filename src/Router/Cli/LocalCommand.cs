using System.CommandLine;
using Kimi.Cluster.Router.Launch;

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
        var expertWorkers = new Option<int>("--expert-workers")
        {
            Description = "Number of expert-worker processes; only 0 (experts run inside the attention worker) is available yet.",
            DefaultValueFactory = _ => 0,
        };
        var workerDll = new Option<string?>("--attention-worker")
        {
            Description = $"Path of Kimi.Cluster.AttentionWorker.dll (default: ${AttentionWorkerLocator.EnvironmentVariable}, else the build output next to the router's sources).",
        };
        var startTimeout = new Option<int>("--worker-start-timeout")
        {
            Description = "Seconds to wait for the attention worker to load its model and listen.",
            DefaultValueFactory = _ => 300,
        };
        startTimeout.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
                result.AddError("--worker-start-timeout must be at least 1 second.");
        });
        var http = new HttpOptions();
        var command = new Command("local", "Start one attention worker on this machine and serve the HTTP API in front of it.")
        {
            model, expertWorkers, workerDll, startTimeout,
        };
        http.AddTo(command);
        command.SetAction((parse, cancellation) => LocalCluster.RunAsync(
            new LocalClusterOptions(
                parse.GetValue(model),
                parse.GetValue(expertWorkers),
                parse.GetValue(workerDll),
                TimeSpan.FromSeconds(parse.GetValue(startTimeout)),
                parse.GetRequiredValue(http.Host),
                parse.GetValue(http.Port)),
            cancellation));
        return command;
    }
}
