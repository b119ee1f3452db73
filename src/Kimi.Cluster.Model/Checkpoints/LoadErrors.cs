using Kimi.Cluster.Model.Configuration;

namespace Kimi.Cluster.Model.Checkpoints;

/// <summary>
/// The load failures a user can act on: a checkpoint or config.json that is wrong, or files that
/// cannot be read. Their messages say what and where, so a process reports them in one line
/// rather than with a stack trace; anything else is a bug and keeps its trace.
/// </summary>
public static class LoadErrors
{
    public static bool IsExpected(Exception error) => error is CheckpointException or ModelConfigException
        or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException
        or OutOfMemoryException;
}
