namespace Kimi.Cluster.Router.Launch;

/// <summary>What `local` was asked for: the model, the worker layout and where the HTTP API listens.</summary>
public sealed record LocalClusterOptions(
    string? ModelDirectory,
    int ExpertWorkers,
    string? AttentionWorkerDll,
    TimeSpan WorkerStartTimeout,
    string Host,
    int Port);
