using System.Diagnostics;
using System.Globalization;

namespace Kimi.Cluster.Launch;

/// <summary>Owns how a worker process is started: `dotnet worker.dll ARGS --parent-pid ROUTER`.</summary>
public static class WorkerCommandLine
{
    public static ProcessStartInfo Create(WorkerProcessSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var startInfo = new ProcessStartInfo(DotnetHost.Path())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // `local` says how its workers cluster (--orleans-redis or localhost): a Redis connection
        // string left in the environment must not pull them into another cluster.
        startInfo.Environment.Remove("KIMI_ORLEANS_REDIS");
        foreach (var (name, value) in spec.Environment)
            startInfo.Environment[name] = value;
        startInfo.ArgumentList.Add(spec.Dll);
        foreach (string argument in spec.Arguments)
            startInfo.ArgumentList.Add(argument);
        // The worker exits by itself if this router dies without killing it.
        startInfo.ArgumentList.Add("--parent-pid");
        startInfo.ArgumentList.Add(Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        return startInfo;
    }
}
