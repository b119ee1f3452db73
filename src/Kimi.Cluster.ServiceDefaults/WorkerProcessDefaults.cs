using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Kimi.Cluster.ServiceDefaults;

/// <summary>The conventions of our processes: the router and the workers the launcher starts.</summary>
public static class WorkerProcessDefaults
{
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
    public static void AddParentProcessWatch(this IServiceCollection services, int? parentPid)
    {
        if (parentPid is int pid)
            services.AddHostedService(provider => new ParentProcessWatcher(
                pid, provider.GetRequiredService<IHostApplicationLifetime>(), provider.GetRequiredService<ILogger<ParentProcessWatcher>>()));
    }

    /// <summary>Both of the above, for a host builder.</summary>
    public static void AddWorkerProcessDefaults(this IHostApplicationBuilder builder, int? parentPid)
    {
        builder.Logging.ConfigureProcessLogging();
        builder.Services.AddParentProcessWatch(parentPid);
    }
}
