using Kimi.Cluster.ServiceDefaults;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Kimi.Cluster.Router.Api;
using Kimi.Cluster.Router.Cli;
using Kimi.Cluster.Router.Chat;
using Kimi.Cluster.Router.Grpc;
using Kimi.Cluster.Router.Images;
using Kimi.Cluster.Router.Operations;
using Kimi.Cluster.Router.Routing;
using Kimi.Cluster.Router.Worker;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Http.Features;

namespace Kimi.Cluster.Router.Hosting;

/// <summary>
/// Owns the router's web host: Kestrel, the pool of attention workers, the API routes,
/// the gRPC API on its own HTTP/2 port (cleartext HTTP/1.1 and h2c cannot share one), and the
/// ROUTER_READY (then ROUTER_GRPC_READY) lines printed once GET /v1/models can answer.
/// </summary>
public static partial class RouterHost
{
    public const string ReadyPrefix = "ROUTER_READY ";
    public const string GrpcReadyPrefix = "ROUTER_GRPC_READY ";

    /// <summary>On SIGTERM Kestrel stops listening at once and lets in-flight requests finish for this long.</summary>
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(RouterHostOptions options, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(options);
        await using var app = Build(options);
        await app.StartAsync(cancellation);
        var models = app.Services.GetRequiredService<ModelInfoCache>();
        var model = await models.WaitUntilAvailableAsync(cancellation);
        string address = PublicAddress(options.Host, BoundPort(app, 0));
        LogServing(app.Logger, model.ModelId, address, string.Join(", ", options.WorkerAddresses));
        await Console.Out.WriteLineAsync(ReadyPrefix + address);
        if (options.GrpcPort is not null)
        {
            string grpcAddress = PublicAddress(options.Host, BoundPort(app, 1));
            LogServingGrpc(app.Logger, grpcAddress);
            await Console.Out.WriteLineAsync(GrpcReadyPrefix + grpcAddress);
        }
        await app.WaitForShutdownAsync(cancellation);
        return 0;
    }

    public static WebApplication Build(RouterHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        // Args stay empty: the command line belongs to System.CommandLine, not to configuration.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.AddServiceDefaults(RouterMetrics.MeterName, grpcHealth: options.GrpcPort is not null);
        var address = HttpOptions.ParseAddress(options.Host)
            ?? throw new ArgumentException($"'{options.Host}' is not an IP address", nameof(options));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Bound in this order: the addresses feature lists the HTTP API first, then gRPC.
            kestrel.Listen(address, options.Port);
            if (options.GrpcPort is int grpcPort)
                kestrel.Listen(address, grpcPort, listen => listen.Protocols = HttpProtocols.Http2);
            // Last, so the API and gRPC listeners keep their places in the addresses feature.
            if (options.MetricsPort is int metricsPort)
                kestrel.ListenForMetrics(address, metricsPort);
            kestrel.Limits.MaxRequestBodySize = options.Limits.MaxBodyBytes;
        });
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = DrainTimeout);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(options.Limits);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<RouterMetrics>();
        builder.Services.AddSingleton<AttentionWorkerPool>();
        builder.Services.AddSingleton<ModelInfoCache>();
        builder.Services.AddSingleton(new ImagePreparer(new ImageFetcher(ImageFetcher.CreateClient(), options.Images)));
        builder.Services.AddSingleton<ChatAnswer>();
        if (options.GrpcPort is not null)
            GrpcApi.AddServices(builder.Services);

        var app = builder.Build();
        ApiEndpoints.Map(app);
        if (options.ExpertWorkers is { } expertWorkers)
            Local.ExpertWorkerEndpoints.Map(app, expertWorkers);
        app.MapDefaultEndpoints(grpcHealth: options.GrpcPort is not null);
        if (options.GrpcPort is not null)
            GrpcApi.Map(app);
        return app;
    }

    private static int BoundPort(WebApplication app, int endpoint)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>();
        return new Uri(addresses.Addresses.ElementAt(endpoint).Replace("*", "localhost", StringComparison.Ordinal)).Port;
    }

    /// <summary>The address a client on this machine uses: a wildcard bind is reached via loopback.</summary>
    private static string PublicAddress(string host, int port)
    {
        var address = HttpOptions.ParseAddress(host) ?? IPAddress.Loopback;
        if (address.Equals(IPAddress.Any))
            address = IPAddress.Loopback;
        else if (address.Equals(IPAddress.IPv6Any))
            address = IPAddress.IPv6Loopback;
        string hostText = address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
        return string.Create(CultureInfo.InvariantCulture, $"http://{hostText}:{port}");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving {ModelId} at {Address} (attention workers {WorkerAddresses})")]
    private static partial void LogServing(ILogger logger, string modelId, string address, string workerAddresses);

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving the KimiGenerate gRPC API at {Address} (HTTP/2)")]
    private static partial void LogServingGrpc(ILogger logger, string address);
}
