using Kimi.Cluster.ServiceDefaults;
using System.Net;
using Kimi.Cluster.AttentionWorker.Batching;
using Kimi.Cluster.AttentionWorker.Cli;
using Kimi.Cluster.AttentionWorker.Experts;
using Kimi.Cluster.AttentionWorker.Generation;
using Kimi.Cluster.AttentionWorker.Operations;
using Kimi.Cluster.AttentionWorker.Services;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Kimi.Cluster.AttentionWorker.Hosting;

/// <summary>
/// Owns the worker's web host: Kestrel on the --host address (HTTP/2 only), the gRPC service, the
/// batcher, health checks and the parent watch, the expert cluster client when experts are remote,
/// the drain on SIGTERM (<see cref="WorkerDrain"/>), and the READY line the launcher waits for.
/// </summary>
public static class WorkerHost
{
    /// <summary>The launcher parses this prefix, followed by the worker's base address, from stdout.</summary>
    public const string ReadyPrefix = "ATTENTION_WORKER_READY ";

    /// <summary>The shutdown timeout beyond the drain timeout: stopping the loop, Kestrel, the expert client.</summary>
    private static readonly TimeSpan StopMargin = TimeSpan.FromSeconds(15);

    /// <summary>Printed before the READY line when --metrics-port is given, followed by the metrics base address.</summary>
    public const string MetricsPrefix = "ATTENTION_WORKER_METRICS ";

    public static async Task<int> RunAsync(WorkerOptions options, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(options);
        // The expert cluster comes first: the engine is built around its placement.
        ExpertClusterClient? experts = null;
        try
        {
            if (options.Experts is not null)
                experts = await ExpertClusterClient.ConnectAsync(options.Experts, cancellation);
        }
        catch (ExpertClusterUnreachableException error)
        {
            await Console.Error.WriteLineAsync($"Cannot start the attention worker: {error.Message}");
            return 1;
        }
        await using var cluster = experts;
        await using var app = Build(options, services =>
        {
            if (experts is not null)
                ExpertParallelServices.Add(services, experts, experts.InitialTable, options.Experts!.CallTimeout, options.Experts.WireDtype);
            AddEngine(services, options.ModelDirectory);
        });
        // Load the model before listening, so READY means "can generate".
        app.Services.GetRequiredService<IBatchGenerator>();
        string address = await StartAsync(app, cancellation);
        if (options.MetricsPort is not null)
            Console.Out.WriteLine(MetricsPrefix + app.BoundAddress(1));
        Console.Out.WriteLine(ReadyPrefix + address);
        await app.WaitForShutdownAsync(cancellation);
        return 0;
    }

    /// <summary>Builds the host; <paramref name="addGenerator"/> registers the <see cref="IBatchGenerator"/>.</summary>
    public static WebApplication Build(WorkerOptions options, Action<IServiceCollection> addGenerator)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(addGenerator);
        // Args stay empty: the command line belongs to System.CommandLine, not to configuration.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
        builder.AddServiceDefaults(AttentionWorkerMetrics.MeterName, options.ParentPid).AddCheck<BatcherHealthCheck>("generation");
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Bound in this order: the addresses feature lists gRPC first, then metrics.
            kestrel.Listen(options.ListenAddress, options.Port, listen => listen.Protocols = HttpProtocols.Http2);
            if (options.MetricsPort is int metricsPort)
                kestrel.ListenForMetrics(options.ListenAddress, metricsPort);
        });
        AddServices(builder.Services, options);
        addGenerator(builder.Services);

        var app = builder.Build();
        app.MapGrpcService<AttentionWorkerGrpcService>();
        app.MapDefaultEndpoints();
        return app;
    }

    /// <summary>Registers the engine as the batch generator; its routed experts are remote when the data plane is registered.</summary>
    public static void AddEngine(IServiceCollection services, string? modelDirectory) =>
        services.AddSingleton<IBatchGenerator>(provider => EngineBatchGenerator.Load(
            modelDirectory,
            provider.GetRequiredService<ILogger<EngineBatchGenerator>>(),
            ExpertParallelServices.RoutedExperts(provider),
            provider.GetRequiredService<BatchingOptions>().CacheSize));

    /// <summary>Starts listening and returns the bound base address (the real port when 0 was asked for).</summary>
    public static async Task<string> StartAsync(WebApplication app, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(app);
        await app.StartAsync(cancellation);
        var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>();
        return addresses.Addresses.First();
    }

    private static void AddServices(IServiceCollection services, WorkerOptions options)
    {
        services.AddGrpc();
        services.AddSingleton(options.Batching ?? BatchingOptions.Default);
        services.AddSingleton<GenerationBatcher>();
        services.AddSingleton<DataPlaneCounters>();
        services.AddSingleton<AttentionWorkerMetrics>();
        services.AddSingleton<WorkerStatsReporter>();
        services.AddHostedService(provider => provider.GetRequiredService<GenerationBatcher>());
        services.AddHostedService(provider => new WorkerDrain(
            provider.GetRequiredService<GenerationBatcher>(), options.DrainTimeout, provider.GetRequiredService<ILogger<WorkerDrain>>()));
        // Draining runs inside the host's stop: leave time after it for the rest to stop.
        services.Configure<HostOptions>(host => host.ShutdownTimeout = options.DrainTimeout + StopMargin);
    }
}
