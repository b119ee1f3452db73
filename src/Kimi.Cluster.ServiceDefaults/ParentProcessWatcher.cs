using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kimi.Cluster.ServiceDefaults;

/// <summary>
/// Stops this process when the process that started it exits, so a router that crashed or was
/// killed never leaves workers (and their memory) behind.
/// </summary>
public sealed partial class ParentProcessWatcher(
    int parentPid, IHostApplicationLifetime lifetime, ILogger<ParentProcessWatcher> logger) : BackgroundService
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Polling, because a process can only wait for the exit of its own children.
        using var timer = new PeriodicTimer(PollInterval);
        while (IsAlive(parentPid))
        {
            try
            {
                if (!await timer.WaitForNextTickAsync(stoppingToken))
                    return;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
        LogParentExited(logger, parentPid);
        lifetime.StopApplication();
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false; // no process with that id any more
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Parent process {ParentPid} has exited; stopping")]
    private static partial void LogParentExited(ILogger logger, int parentPid);
}
