using System.Diagnostics;
using System.Globalization;

namespace Kimi.Cluster.Router.Launch;

/// <summary>Owns how an attention worker process is started: `dotnet worker.dll --port 0 --parent-pid ...`.</summary>
public static class WorkerCommandLine
{
    public static ProcessStartInfo Create(WorkerLaunchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var startInfo = new ProcessStartInfo(DotnetHost.Path())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(options.WorkerDll);
        startInfo.ArgumentList.Add("--port");
        startInfo.ArgumentList.Add("0");
        // The worker exits by itself if this router dies without killing it.
        startInfo.ArgumentList.Add("--parent-pid");
        startInfo.ArgumentList.Add(Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        if (options.ModelDirectory is not null)
        {
            startInfo.ArgumentList.Add("--model");
            startInfo.ArgumentList.Add(options.ModelDirectory);
        }
        return startInfo;
    }
}
