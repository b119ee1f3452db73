namespace Kimi.Cluster.Router.Launch;

/// <summary>How to start one attention worker process and how long to wait for it.</summary>
public sealed record WorkerLaunchOptions(string WorkerDll, string? ModelDirectory, TimeSpan StartTimeout);
