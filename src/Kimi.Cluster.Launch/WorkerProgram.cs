namespace Kimi.Cluster.Launch;

/// <summary>
/// A kind of worker process `local` starts: what it is called, where its dll is found (option,
/// variable, the path baked into the router's build), the READY line it prints, and how long
/// its graceful stop may take after SIGTERM before it is killed.
/// </summary>
public sealed record WorkerProgram(
    string Name, string DllFileName, string OptionName, string EnvironmentVariable, string MetadataKey, string ProjectPath, string ReadyPrefix,
    TimeSpan StopTimeout)
{
    public static WorkerProgram Attention { get; } = new(
        "attention worker", "Kimi.Cluster.AttentionWorker.dll", "--attention-worker", "KIMI_ATTENTION_WORKER_DLL",
        "AttentionWorkerDll", "src/AttentionWorker", "ATTENTION_WORKER_READY ",
        StopTimeout: TimeSpan.FromSeconds(50)); // its default drain (30 s), the rest of its stop (15 s), and slack

    public static WorkerProgram Expert { get; } = new(
        "expert worker", "Kimi.Cluster.ExpertWorker.dll", "--expert-worker", "KIMI_EXPERT_WORKER_DLL",
        "ExpertWorkerDll", "src/ExpertWorker", "EXPERT_WORKER_READY ",
        StopTimeout: TimeSpan.FromSeconds(160)); // its shutdown timeout (a handoff of up to 120 s, 30 s to leave the Orleans cluster) and slack
}
