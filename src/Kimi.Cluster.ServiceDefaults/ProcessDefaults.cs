using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Kimi.Cluster.ServiceDefaults;

/// <summary>
/// How every process of the cluster (the router and both workers) is wired, in one place as in
/// eShop's AddServiceDefaults/MapDefaultEndpoints: one-line logs on stderr, its meters at
/// /metrics, the gRPC health service (each host adds its own checks), and a stop when the
/// process that started it goes away.
/// </summary>
public static class ProcessDefaults
{
    /// <summary>
    /// Logging, metrics for <paramref name="meterName"/>, health checks (returned, for the host's
    /// own checks; published on gRPC's health service when the process serves gRPC) and, with
    /// <paramref name="parentPid"/>, the parent watch.
    /// </summary>
    public static IHealthChecksBuilder AddServiceDefaults(
        this IHostApplicationBuilder builder, string meterName, int? parentPid = null, bool grpcHealth = true)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Logging.ConfigureProcessLogging();
        builder.AddProcessMetrics(meterName);
        builder.Services.AddParentProcessWatch(parentPid);
        return grpcHealth ? builder.Services.AddGrpcHealthChecks() : builder.Services.AddHealthChecks();
    }

    /// <summary>GET /metrics and GET /healthz on the HTTP/1.1 listeners and, when the process serves gRPC, the standard health service.</summary>
    public static void MapDefaultEndpoints(this WebApplication app, bool grpcHealth = true)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapProcessMetrics();
        // The same checks over plain HTTP for probes that cannot speak TLS (the kubelet's gRPC probes):
        // served on the metrics listener, which stays cleartext.
        app.MapHealthChecks("/healthz");
        if (grpcHealth)
            app.MapGrpcHealthChecksService();
    }

    /// <summary>
    /// Logs go to stderr, one line each, for the launcher to forward: stdout carries only the
    /// READY line (ATTENTION_WORKER_READY, EXPERT_WORKER_READY, ROUTER_READY). Per-call hosting,
    /// HTTP client, cluster and retry chatter is filtered out.
    /// </summary>
    public static void ConfigureProcessLogging(this ILoggingBuilder logging)
    {
        ArgumentNullException.ThrowIfNull(logging);
        logging.ClearProviders();
        logging.AddSimpleConsole(console => console.SingleLine = true);
        logging.Services.Configure<ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        logging.AddFilter("System.Net.Http", LogLevel.Warning);
        logging.AddFilter("Grpc", LogLevel.Warning);
        logging.AddFilter("Orleans", LogLevel.Warning);
        logging.AddFilter("Polly", LogLevel.Warning);
    }

    /// <summary>With a parent pid, the process stops when its parent does.</summary>
    private static void AddParentProcessWatch(this IServiceCollection services, int? parentPid)
    {
        if (parentPid is int pid)
            services.AddHostedService(provider => new ParentProcessWatcher(
                pid, provider.GetRequiredService<IHostApplicationLifetime>(), provider.GetRequiredService<ILogger<ParentProcessWatcher>>()));
    }
}
