namespace Kimi.Cluster.Model.Benchmarks;

/// <summary>
/// What a quick decode-step measurement runs: the checkpoint (null: the built-in tiny model), how
/// many sequences decode together, their prompt and generated lengths, and how many fresh rounds.
/// </summary>
public sealed record StepSettings(string? Model, int Batch, int PromptLength, int NewTokens, int Rounds)
{
    /// <summary>Record the last round's kernel calls and print them averaged over its decode steps.</summary>
    public bool Timeline { get; init; }

    /// <summary>Probe the read bandwidth between windows of decode steps and report each window's memory floor against its median step.</summary>
    public bool Floor { get; init; }
}
