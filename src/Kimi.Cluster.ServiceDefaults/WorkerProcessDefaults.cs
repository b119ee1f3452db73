using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Kimi.Cluster.ServiceDefaults;

/// <summary>The conventions of a worker process started by the launcher.</summary>
public static class WorkerProcessDefaults
{
    /// <summary>
    /// Logs go to stderr, one line each, for the launcher to forward: stdout carries only the
    /// READY line. Per-call hosting chatter is filtered out. With a parent pid, the process
    /// stops when its parent does.
    /// </summary>
    public static void AddWorkerProcessDefaults(this IHostApplicationBuilder builder, int? parentPid)
    {
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(console => console.SingleLine = true);
        builder.Services.Configure<ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        if (parentPid is int pid)
            builder.Services.AddHostedService(provider => new ParentProcessWatcher(
                pid, provider.GetRequiredService<IHostApplicationLifetime>(), provider.GetRequiredService<ILogger<ParentProcessWatcher>>()));
    }
}
