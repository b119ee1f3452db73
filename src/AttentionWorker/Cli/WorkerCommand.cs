using System.CommandLine;
using Kimi.Cluster.AttentionWorker.Hosting;

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
            if (result.GetValueOrDefault<int>() is < 0 or > 65535)
                result.AddError("--port must be in 0..65535.");
        });
        var parentPid = new Option<int?>("--parent-pid")
        {
            Description = "Exit when the process with this id exits (the router that started this worker).",
        };

        var root = new RootCommand("Kimi Cluster attention worker: serves one model over gRPC on 127.0.0.1.") { model, port, parentPid };
        root.SetAction((parse, cancellation) => WorkerHost.RunAsync(
            new WorkerOptions(parse.GetValue(model), parse.GetValue(port), parse.GetValue(parentPid)), cancellation));
        return root;
    }
}
