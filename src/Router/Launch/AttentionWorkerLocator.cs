using System.Reflection;

namespace Kimi.Cluster.Router.Launch;

/// <summary>
/// Finds the attention worker's dll: the --attention-worker option, else the
/// KIMI_ATTENTION_WORKER_DLL variable, else the build output path the csproj baked into
/// this assembly (the worker is built before the router, but never referenced by it).
/// </summary>
public static class AttentionWorkerLocator
{
    public const string EnvironmentVariable = "KIMI_ATTENTION_WORKER_DLL";

    /// <summary>The AssemblyMetadata key the router's csproj writes the worker's build output path under.</summary>
    public const string MetadataKey = "AttentionWorkerDll";

    public static string Resolve(string? optionValue)
    {
        var (path, source) =
            !string.IsNullOrWhiteSpace(optionValue) ? (optionValue, "--attention-worker")
            : Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } fromEnvironment ? (fromEnvironment, EnvironmentVariable)
            : (BakedPath(), "the router's build");
        if (string.IsNullOrEmpty(path))
            throw new WorkerStartException(
                $"the attention worker's location is unknown; pass --attention-worker PATH or set {EnvironmentVariable}.");
        string fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
            throw new WorkerStartException(
                $"the attention worker was not found at {fullPath} (from {source}); build it with " +
                $"`dotnet build src/AttentionWorker -c Release`, or pass --attention-worker PATH or set {EnvironmentVariable}.");
        return fullPath;
    }

    private static string? BakedPath() =>
        typeof(AttentionWorkerLocator).Assembly
            .GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(attribute => attribute.Key == MetadataKey)?.Value;
}
