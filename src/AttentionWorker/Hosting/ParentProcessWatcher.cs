using System.Diagnostics;

namespace Kimi.Cluster.AttentionWorker.Hosting;

/// <summary>
/// Stops the worker when the process that started it exits, so a router that crashed or
/// was killed never leaves a worker (and its memory) behind.
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
            if (!await WaitAsync(timer, stoppingToken))
                return;
        }
        LogParentExited(logger, parentPid);
        lifetime.StopApplication();
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false; // no process with that id any more
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Parent process {ParentPid} has exited; stopping the attention worker")]
    private static partial void LogParentExited(ILogger logger, int parentPid);
}
