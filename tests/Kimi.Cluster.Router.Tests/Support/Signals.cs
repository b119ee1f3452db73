using System.Diagnostics;

namespace Kimi.Cluster.Router.Tests.Support;

/// <summary>Signals a process: SIGTERM the way Kubernetes and systemd stop one, SIGSTOP to freeze one.</summary>
public static class Signals
{
    public static Task TerminateAsync(int pid) => SendAsync(pid, "TERM");

    /// <summary>Freezes the process: it keeps its sockets open but answers nothing (SIGKILL still ends it).</summary>
    public static Task FreezeAsync(int pid) => SendAsync(pid, "STOP");

    private static async Task SendAsync(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-s", signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            UseShellExecute = false,
        })!; // Start returns null only for shell-executed documents
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }
}
