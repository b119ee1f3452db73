namespace Kimi.Cluster.Bench.Load;

/// <summary>
/// What one `run` does: where, how many prompts of which lengths, and how they arrive.
/// Concurrency null means no cap; RequestRate null means every request at once (vLLM's inf).
/// NewConnections sends each request on a connection of its own (Connection: close).
/// WarmupPrompts requests go first and are left out of the results (see <see cref="WarmupRun"/>).
/// </summary>
public sealed record BenchSettings(
    Uri Url,
    int NumPrompts,
    int InputLen,
    int OutputLen,
    int? Concurrency,
    double? RequestRate,
    int Seed,
    int VocabSize,
    double TimeoutSeconds,
    double MaxDurationSeconds,
    bool NewConnections = false,
    int WarmupPrompts = 0);
