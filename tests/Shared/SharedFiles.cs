namespace Kimi.Cluster.Tests.Shared;

/// <summary>
/// Moonshot's real files and the peer request sets, which live beside the checkout (../shared)
/// and are never copied into the repository.
/// </summary>
public static class SharedFiles
{
    public static string Root { get; } = Path.GetFullPath(Path.Combine(ExternalProgram.RepositoryRoot, "..", "shared"));

    /// <summary>A file under ../shared, or a clear failure saying where it was looked for.</summary>
    public static string Require(params string[] relativePath)
    {
        string path = Path.Combine([Root, .. relativePath]);
        return File.Exists(path) ? path
            : throw new FileNotFoundException($"{path} is missing: the shared files (Moonshot's tokenizer and the peer request sets) belong beside the checkout", path);
    }
}
