using Microsoft.Extensions.Logging.Console;

namespace Kimi.Cluster.Router.Hosting;

/// <summary>
/// Owns the router's log format: one line per entry on stderr, so stdout carries only
/// the ROUTER_READY line that launchers and tests parse.
/// </summary>
public static class RouterLogging
{
    public static void Configure(ILoggingBuilder logging)
    {
        ArgumentNullException.ThrowIfNull(logging);
        logging.ClearProviders();
        logging.AddSimpleConsole(console => console.SingleLine = true);
        logging.Services.Configure<ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        // Per-request hosting chatter drowns the worker's forwarded lines.
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        logging.AddFilter("System.Net.Http", LogLevel.Warning);
        logging.AddFilter("Grpc", LogLevel.Warning);
    }
}
