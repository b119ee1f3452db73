namespace Kimi.Cluster.Launch;

/// <summary>Finds the `dotnet` executable that starts framework-dependent dlls such as the worker.</summary>
public static class DotnetHost
{
    public static string Path()
    {
        // Run as `dotnet Kimi.Cluster.Router.dll`: reuse the very same host (and runtime).
        string? current = Environment.ProcessPath;
        if (current is not null && System.IO.Path.GetFileNameWithoutExtension(current) == "dotnet")
            return current;
        string executable = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        string? root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        if (!string.IsNullOrEmpty(root) && File.Exists(System.IO.Path.Combine(root, executable)))
            return System.IO.Path.Combine(root, executable);
        return executable; // resolved on PATH
    }
}
