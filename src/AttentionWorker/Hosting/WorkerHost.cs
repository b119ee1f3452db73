using System.Net;
using Kimi.Cluster.AttentionWorker.Batching;
using Kimi.Cluster.AttentionWorker.Cli;
using Kimi.Cluster.AttentionWorker.Experts;
using Kimi.Cluster.AttentionWorker.Generation;
using Kimi.Cluster.AttentionWorker.Operations;
using Kimi.Cluster.AttentionWorker.Services;
using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.ServiceDefaults;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Kimi.Cluster.AttentionWorker.Hosting;

/// <summary>
/// Owns the worker's web host: Kestrel on the --host address (HTTP/2 only), the gRPC service, the
/// batcher, health checks and the parent watch, the expert cluster client when experts are remote,
/// the drain on SIGTERM (<see cref="WorkerDrain"/>), and the READY line the launcher waits for.
/// While the weights load, <see cref="WeightLoadingHost"/> holds the port and tells the progress;
/// a model that cannot load ends the process with one line and <see cref="WorkerExitCodes.LoadFailed"/>.
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
        ModelSource source;
        try
        {
            source = new ModelSource(options.ModelDirectory) { LoadThreads = options.LoadThreads };
        }
        catch (Exception error) when (LoadErrors.IsExpected(error))
        {
            return await WorkerExitCodes.LoadFailedAsync(error.Message);
        }
        var progress = new LoadProgress();
        ExpertClusterClient? experts;
        WebApplication app;
        // The port answers from the start of the load: health NOT_SERVING and the load's progress.
        await using (var loading = await WeightLoadingHost.StartAsync(options, source, progress, cancellation))
        {
            options = options with { Port = loading.Port };
            try
            {
                // The expert cluster comes first: the engine is built around its placement.
                experts = options.Experts is null ? null : await ExpertClusterClient.ConnectAsync(options.Experts, cancellation, options.Credential, options.Tls);
            }
            catch (ExpertClusterUnreachableException error)
            {
                await Console.Error.WriteLineAsync($"Cannot start the attention worker: {error.Message}");
                return error.ShardLoadFailed ? WorkerExitCodes.LoadFailed : 1;
            }
            app = Build(options, services =>
            {
                if (experts is not null)
                    ExpertParallelServices.Add(services, experts, experts.InitialTable, options.Experts!.CallTimeout, options.Experts.WireDtype);
                AddEngine(services, source, progress);
            });
            if (LoadModel(app, source, progress, options) is { } failure)
            {
                await app.DisposeAsync();
                if (experts is not null)
                    await experts.DisposeAsync();
                return await WorkerExitCodes.LoadFailedAsync(failure.Message);
            }
        }
        await using var cluster = experts;
        await using var served = app;
        string address = await StartAsync(app, cancellation);
        if (options.MetricsPort is not null)
            Console.Out.WriteLine(MetricsPrefix + app.BoundAddress(1));
        Console.Out.WriteLine(ReadyPrefix + address);
        await app.WaitForShutdownAsync(cancellation);
        return 0;
    }

    /// <summary>Loads the model before serving, so READY means "can generate"; returns the error when it cannot load.</summary>
    private static Exception? LoadModel(WebApplication app, ModelSource source, LoadProgress progress, WorkerOptions options)
    {
        using var announcer = new LoadProgressAnnouncer(
            progress.Report, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Kimi.Cluster.AttentionWorker.Loading"),
            toLauncher: options.ParentPid is not null);
        try
        {
            app.Services.GetRequiredService<IBatchGenerator>();
        }
        catch (Exception error) when (LoadErrors.IsExpected(error))
        {
            return error;
        }
        if (source.Directory is not null)
            announcer.Finish();
        return null;
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
            kestrel.Listen(options.ListenAddress, options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                options.Tls?.Serve(listen);
            });
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

    /// <summary>
    /// Registers the engine as the batch generator; its routed experts are remote when the data
    /// plane is registered. What it reads is counted in <paramref name="progress"/>, when given.
    /// </summary>
    public static void AddEngine(IServiceCollection services, ModelSource source, LoadProgress? progress = null) =>
        services.AddSingleton<IBatchGenerator>(provider => EngineBatchGenerator.Load(
            source,
            provider.GetRequiredService<ILogger<EngineBatchGenerator>>(),
            ExpertParallelServices.RoutedExperts(provider),
            provider.GetRequiredService<BatchingOptions>().CacheSize,
            progress));

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
        services.AddClusterCredential(options.Credential, options.Tls);
        services.AddGrpc().AddServiceOptions<AttentionWorkerGrpcService>(grpc =>
        {
            grpc.Interceptors.Add<ClusterCredentialInterceptor>();
            // A request's images travel resized but raw (up to ~10 MB each), past the 4 MB default.
            grpc.MaxReceiveMessageSize = null;
        });
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
