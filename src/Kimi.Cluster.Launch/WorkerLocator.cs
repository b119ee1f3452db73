using System.Reflection;

namespace Kimi.Cluster.Launch;

/// <summary>
/// Finds a worker's dll: its command-line option, else its environment variable, else the build
/// output path the router's csproj baked into this assembly (the workers are built before the
/// router, but never referenced by it).
/// </summary>
public static class WorkerLocator
{
    public static string Resolve(WorkerProgram program, string? optionValue)
    {
        ArgumentNullException.ThrowIfNull(program);
        var (path, source) =
            !string.IsNullOrWhiteSpace(optionValue) ? (optionValue, program.OptionName)
            : Environment.GetEnvironmentVariable(program.EnvironmentVariable) is { Length: > 0 } fromEnvironment ? (fromEnvironment, program.EnvironmentVariable)
            : (BakedPath(program), "the router's build");
        if (string.IsNullOrEmpty(path))
            throw new WorkerStartException(
                $"the {program.Name}'s location is unknown; pass {program.OptionName} PATH or set {program.EnvironmentVariable}.");
        string fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
            throw new WorkerStartException(
                $"the {program.Name} was not found at {fullPath} (from {source}); build it with " +
                $"`dotnet build {program.ProjectPath} -c Release`, or pass {program.OptionName} PATH or set {program.EnvironmentVariable}.");
        return fullPath;
    }

    private static string? BakedPath(WorkerProgram program) =>
        typeof(WorkerLocator).Assembly
            .GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(attribute => attribute.Key == program.MetadataKey)?.Value;
}
