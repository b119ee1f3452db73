using System.Net;
using Kimi.Cluster.AttentionWorker.Batching;
using Kimi.Cluster.AttentionWorker.Cli;
using Kimi.Cluster.AttentionWorker.Generation;
using Kimi.Cluster.AttentionWorker.Services;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Kimi.Cluster.AttentionWorker.Hosting;

/// <summary>
/// Owns the worker's web host: Kestrel on loopback (HTTP/2 only), the gRPC service, the
/// batcher, health checks and the parent watch, and the READY line the launcher waits for.
/// </summary>
public static class WorkerHost
{
    /// <summary>The launcher parses this prefix, followed by the worker's base address, from stdout.</summary>
    public const string ReadyPrefix = "ATTENTION_WORKER_READY ";

    public static async Task<int> RunAsync(WorkerOptions options, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(options);
        await using var app = Build(options, services => services.AddSingleton<IBatchGenerator>(provider =>
            EngineBatchGenerator.Load(options.ModelDirectory, provider.GetRequiredService<ILogger<EngineBatchGenerator>>())));
        // Load the model before listening, so READY means "can generate".
        app.Services.GetRequiredService<IBatchGenerator>();
        string address = await StartAsync(app, cancellation);
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
        builder.Logging.ClearProviders();
        // stdout carries only the READY line; logs go to stderr, one line each, for the launcher to forward.
        builder.Logging.AddSimpleConsole(console => console.SingleLine = true);
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(
            console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        // Per-call hosting chatter would flood the router's log, which forwards every line.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(
            IPAddress.Loopback, options.Port, listen => listen.Protocols = HttpProtocols.Http2));
        AddServices(builder.Services, options);
        addGenerator(builder.Services);

        var app = builder.Build();
        app.MapGrpcService<AttentionWorkerGrpcService>();
        app.MapGrpcHealthChecksService();
        return app;
    }

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
        services.AddSingleton<GenerationBatcher>();
        services.AddHostedService(provider => provider.GetRequiredService<GenerationBatcher>());
        services.AddGrpcHealthChecks().AddCheck<BatcherHealthCheck>("generation");
        if (options.ParentPid is int parentPid)
            services.AddHostedService(provider => new ParentProcessWatcher(
                parentPid,
                provider.GetRequiredService<IHostApplicationLifetime>(),
                provider.GetRequiredService<ILogger<ParentProcessWatcher>>()));
    }
}
