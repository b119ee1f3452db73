using System.CommandLine;
using Kimi.Cluster.Router.Hosting;
using Kimi.Cluster.ServiceDefaults;

namespace Kimi.Cluster.Router.Cli;

/// <summary>Owns the `serve` subcommand: the router in front of attention workers that are already running.</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var workerUrl = new Option<string[]>("--attention-worker-url")
        {
            Description = "Base address of a running attention worker, e.g. http://10.0.0.5:50051; repeat it for several (all serving the same model).",
            Required = true,
        };
        workerUrl.Validators.Add(result =>
        {
            foreach (string text in result.GetValueOrDefault<string[]>() ?? [])
            {
                if (ParseUrl(text) is null)
                    result.AddError($"--attention-worker-url: '{text}' is not an absolute http:// or https:// address.");
            }
        });
        var model = new Option<string?>("--model")
        {
            Description = "The workers' model directory, read for the tokenizer and chat template; omit it when they serve the built-in tiny model.",
        };
        model.Validators.Add(result =>
        {
            string? directory = result.GetValueOrDefault<string?>();
            if (directory is not null && !Directory.Exists(directory))
                result.AddError($"--model: directory '{directory}' does not exist.");
        });
        var metricsPort = new Option<int?>("--metrics-port")
        {
            Description = "An extra HTTP/1.1 port serving only GET /metrics (for a Prometheus that should not reach the API port); /metrics is on the API port too.",
        };
        metricsPort.Validators.Add(result =>
        {
            if (result.TryGetValue(out int? port) && port is < 0 or > 65535)
                result.AddError("--metrics-port must be in 0..65535.");
        });
        var http = new HttpOptions();
        var limits = new LimitOptions();
        var tls = new ClusterTlsOptions();
        var command = new Command("serve", "Serve the HTTP API in front of attention workers that are already running (deployments).")
        {
            workerUrl, model, metricsPort,
        };
        http.AddTo(command);
        limits.AddTo(command);
        tls.AddTo(command);
        command.SetAction((parse, cancellation) =>
        {
            if (!ClusterCredential.TryReadEnvironment(out var credential) || !tls.TryRead(parse, out var clusterTls))
                return Task.FromResult(2);
            Uri[] workers = [.. parse.GetRequiredValue(workerUrl).Select(text => ParseUrl(text)!)]; // checked by the validator
            try
            {
                foreach (var url in workers)
                    ClusterTls.Expect(clusterTls, url, "--attention-worker-url");
            }
            catch (ClusterTlsException error)
            {
                Console.Error.WriteLine($"Cannot start: {error.Message}");
                return Task.FromResult(2);
            }
            return RouterHost.RunAsync(new RouterHostOptions(workers, parse.GetRequiredValue(http.Host), parse.GetValue(http.Port))
            {
                Limits = limits.ReadLimits(parse),
                Images = limits.ReadImages(parse),
                Routing = limits.ReadRouting(parse),
                GrpcPort = parse.GetValue(http.GrpcPort),
                MetricsPort = parse.GetValue(metricsPort),
                ModelDirectory = parse.GetValue(model),
                // The workers' credential, from KIMI_CLUSTER_CREDENTIAL or KIMI_CLUSTER_CREDENTIAL_FILE.
                ClusterCredential = credential,
                ClusterTls = clusterTls,
            },
            cancellation);
        });
        return command;
    }

    private static Uri? ParseUrl(string? text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" ? url : null;
}
