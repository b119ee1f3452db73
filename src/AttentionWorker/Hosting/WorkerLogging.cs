using Microsoft.Extensions.Logging.Console;

namespace Kimi.Cluster.AttentionWorker.Hosting;

/// <summary>
/// Owns the worker's log format: one line per entry on stderr for the launcher to forward, so
/// stdout carries only the READY line; per-call hosting and cluster chatter is filtered out.
/// </summary>
public static class WorkerLogging
{
    public static void Configure(ILoggingBuilder logging)
    {
        ArgumentNullException.ThrowIfNull(logging);
        logging.ClearProviders();
        logging.AddSimpleConsole(console => console.SingleLine = true);
        logging.Services.Configure<ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        logging.AddFilter("Grpc", LogLevel.Warning);
        logging.AddFilter("Orleans", LogLevel.Warning);
    }
}
