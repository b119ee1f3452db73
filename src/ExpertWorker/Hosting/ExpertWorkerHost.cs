using System.Net;
using Kimi.Cluster.Abstractions;
using Kimi.Cluster.ExpertWorker.Cli;
using Kimi.Cluster.ExpertWorker.DataPlane;
using Kimi.Cluster.ExpertWorker.Operations;
using Kimi.Cluster.ExpertWorker.Placement;
using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.RoutedExperts;
using Kimi.Cluster.ServiceDefaults;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace Kimi.Cluster.ExpertWorker.Hosting;

/// <summary>
/// Owns the expert worker's host: the Orleans silo (localhost or Redis membership, our shard
/// placement), the gRPC data plane, health, the graceful stop, the shard set, and the READY line.
/// </summary>
public static class ExpertWorkerHost
{
    /// <summary>The launcher parses this prefix, followed by the data-plane base address, from stdout.</summary>
    public const string ReadyPrefix = "EXPERT_WORKER_READY ";

    /// <summary>How long leaving the cluster and closing the data plane may take, after the handoff.</summary>
    public static readonly TimeSpan LeaveTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Printed before the READY line when --metrics-port is given, followed by the metrics base address.</summary>
    public const string MetricsPrefix = "EXPERT_WORKER_METRICS ";

    public static async Task<int> RunAsync(ExpertWorkerOptions options, CancellationToken cancellation)
    {
        ModelSource source;
        try
        {
            source = new ModelSource(options.ModelDirectory) { LoadThreads = options.LoadThreads };
        }
        catch (Exception error) when (LoadErrors.IsExpected(error))
        {
            return await WorkerExitCodes.LoadFailedAsync(error.Message);
        }
        if (options.Shards > source.Config.NRoutedExperts)
        {
            await Console.Error.WriteLineAsync($"--shards {options.Shards} exceeds the model's {source.Config.NRoutedExperts} routed experts.");
            return 2;
        }
        await using var app = Build(options, source);
        try
        {
            await app.StartAsync(cancellation);
        }
        catch (Exception error) when (WorkerExitCodes.IsPortInUse(error))
        {
            await Console.Error.WriteLineAsync(
                $"Cannot listen: a port is already in use (silo {options.SiloPort}, gateway {options.GatewayPort}, data plane {options.DataPlanePort}): {error.Message}");
            return WorkerExitCodes.PortInUse;
        }
        string bound = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        string address = DataPlaneEndpoint.Advertise(bound, options.Advertised);
        app.Services.GetRequiredService<DataPlaneEndpoint>().Set(address);
        if (options.MetricsPort is not null)
            await Console.Out.WriteLineAsync(MetricsPrefix + app.BoundAddress(1));
        await Console.Out.WriteLineAsync(ReadyPrefix + address);
        await app.WaitForShutdownAsync(cancellation);
        return app.Services.GetRequiredService<ShardLoader>().ExitCode;
    }

    /// <summary>
    /// What the shard grains need on a silo: the model, the shard set they load into and its
    /// loader, the shard layout, and their placement. The silo's host adds the data plane's
    /// <see cref="DataPlaneEndpoint"/>.
    /// </summary>
    public static void AddExpertShards(ISiloBuilder silo, ModelSource source, ExpertWorkerOptions options)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddSingleton(source);
        silo.Services.AddSingleton<ExpertShardSet>();
        silo.Services.AddSingleton(options);
        silo.Services.AddSingleton<ShardLoader>();
        silo.Services.AddSingleton<ServingState>();
        silo.Services.Configure<ExpertPlacementOptions>(cluster =>
            (cluster.Shards, cluster.Replicas, cluster.Devices) = (options.Shards, options.Replicas, options.PlacementDevices));
        silo.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options.Rebalance));
        silo.Services.AddPlacementDirector<ExpertShardPlacement, ExpertShardPlacementDirector>();
        // What placement budgets this worker by: its kind, its --shard-budget, the memory it may use (a container's limit, when set).
        silo.UseSiloMetadata(ExpertSiloMetadata.Publish(options.DeviceTag, options.ShardBudget, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes));
    }

    private static WebApplication Build(ExpertWorkerOptions options, ModelSource source)
    {
        // Args stay empty: the command line belongs to System.CommandLine, not to configuration.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
        builder.AddServiceDefaults(ExpertWorkerMetrics.MeterName, options.ParentPid).AddCheck<ServingState>("expert-worker");
        // A shard that fails to load is told once, in one line, by the ShardLoader (and reaches the
        // caller); Orleans would add two more with the stack trace.
        builder.Logging.AddFilter("Orleans.Grain", LogLevel.Critical);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Bound in this order: the addresses feature lists the data plane first, then metrics.
            kestrel.Listen(options.Listen, options.DataPlanePort, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                options.Tls?.Serve(listen);
            });
            if (options.MetricsPort is int metricsPort)
                kestrel.ListenForMetrics(options.Listen, metricsPort);
        });
        // The graceful stop (ExpertWorkerShutdown) hands off and leaves the cluster first; this bounds all of it.
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.HandoffTimeout + LeaveTimeout);
        builder.Services.AddClusterCredential(options.Credential);
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = null; // a layer's activations for a large batch exceed the 4 MB default
            grpc.MaxSendMessageSize = null;
        }).AddServiceOptions<ExpertDataPlaneService>(grpc => grpc.Interceptors.Add<ClusterCredentialInterceptor>())
            .AddServiceOptions<ExpertAdminService>(grpc => grpc.Interceptors.Add<ClusterCredentialInterceptor>());
        builder.Services.AddSingleton<DataPlaneEndpoint>();
        builder.Services.AddHostedService<ExpertWorkerShutdown>();
        builder.Services.AddSingleton<ExpertWorkerMetrics>();
        builder.UseOrleans(silo =>
        {
            SiloMembership.Configure(silo, options);
            if (options.Tls is { } tls)
                silo.UseClusterTls(tls.Certificate, tls.Trusts);
            if (options.Credential is { } credential)
            {
                silo.AddIncomingGrainCallFilter(new ClusterCredentialFilters.Incoming(credential.Accepts));
                silo.AddOutgoingGrainCallFilter(new ClusterCredentialFilters.Outgoing(credential.Value));
            }
            AddExpertShards(silo, source, options);
        });
        var app = builder.Build();
        // Now, not at the first batch, so the resident-weights gauge is there from the start.
        var shardSet = app.Services.GetRequiredService<ExpertShardSet>();
        app.Services.GetRequiredService<ExpertWorkerMetrics>().ObserveResidentWeights(() => shardSet.ResidentBytes);
        app.MapGrpcService<ExpertDataPlaneService>();
        app.MapGrpcService<ExpertAdminService>();
        app.MapDefaultEndpoints();
        return app;
    }
}
