namespace Kimi.Cluster.Router.Launch;

/// <summary>
/// A kind of worker process `local` starts: what it is called, where its dll is found (option,
/// variable, the path baked into the router's build), and the READY line it prints.
/// </summary>
public sealed record WorkerProgram(
    string Name, string DllFileName, string OptionName, string EnvironmentVariable, string MetadataKey, string ProjectPath, string ReadyPrefix)
{
    public static WorkerProgram Attention { get; } = new(
        "attention worker", "Kimi.Cluster.AttentionWorker.dll", "--attention-worker", "KIMI_ATTENTION_WORKER_DLL",
        "AttentionWorkerDll", "src/AttentionWorker", "ATTENTION_WORKER_READY ");

    public static WorkerProgram Expert { get; } = new(
        "expert worker", "Kimi.Cluster.ExpertWorker.dll", "--expert-worker", "KIMI_EXPERT_WORKER_DLL",
        "ExpertWorkerDll", "src/ExpertWorker", "EXPERT_WORKER_READY ");
}
