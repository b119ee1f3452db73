namespace Kimi.Cluster.Launch;

/// <summary>One worker process to start: its name in logs, its dll and arguments, its READY line, how long to wait for it and for its graceful stop.</summary>
/// <param name="Name">How logs call it, e.g. "attention worker" or "expert worker 1".</param>
/// <param name="Dll">The worker's dll, run with `dotnet`.</param>
/// <param name="Arguments">Its arguments; --parent-pid is added.</param>
/// <param name="ReadyPrefix">The stdout prefix, followed by the worker's base address, that says it is ready.</param>
/// <param name="StartTimeout">How long to wait for that line.</param>
/// <param name="StopTimeout">How long the worker may take to exit after SIGTERM before it is killed.</param>
public sealed record WorkerProcessSpec(
    string Name, string Dll, IReadOnlyList<string> Arguments, string ReadyPrefix, TimeSpan StartTimeout, TimeSpan StopTimeout)
{
    /// <summary>Where the worker's weight-load progress lines go; null logs them.</summary>
    public LoadProgressDisplay? LoadProgress { get; init; }

    /// <summary>
    /// Variables set in the worker's environment (the cluster credential: the environment, not
    /// the command line, which any local user can read).
    /// </summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
}
