namespace Kimi.Cluster.Bench.Results;

/// <summary>
/// What a run measured, as written to --output: the settings it ran with, success and
/// failure counts (failures are never dropped: the first few errors are kept verbatim),
/// throughputs over the whole run, and the latency summaries of successful requests.
/// </summary>
public sealed record BenchResult(
    string Url,
    string? Model,
    int NumPrompts,
    int InputLen,
    int OutputLen,
    int? Concurrency,
    double? RequestRate,
    int Seed,
    int Completed,
    int Failed,
    IReadOnlyList<string> Errors,
    double DurationSeconds,
    long TotalInputTokens,
    long TotalOutputTokens,
    double RequestThroughput,
    double InputThroughput,
    double OutputThroughput,
    LatencySummary Ttft,
    LatencySummary Itl,
    LatencySummary E2e);
