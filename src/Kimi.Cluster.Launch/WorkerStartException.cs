namespace Kimi.Cluster.Launch;

/// <summary>A worker could not be found, started, or did not become ready.</summary>
/// <param name="message">What went wrong, with the worker's last output where there is some.</param>
/// <param name="exitCode">The worker's exit code when it exited before it was ready; null otherwise.</param>
public sealed class WorkerStartException(string message, int? exitCode = null) : Exception(message)
{
    public int? ExitCode { get; } = exitCode;
}
