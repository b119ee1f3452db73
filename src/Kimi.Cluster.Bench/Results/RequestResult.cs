namespace Kimi.Cluster.Bench.Results;

/// <summary>
/// One request's measurements in milliseconds. A failed request keeps its error and whatever
/// it measured before failing, but only successful requests enter the latency statistics.
/// </summary>
public sealed record RequestResult(
    bool Success,
    string? Error,
    int PromptTokens,
    int OutputTokens,
    double TtftMs,
    double E2eMs,
    IReadOnlyList<double> ItlMs)
{
    public static RequestResult Failed(string error, double e2eMs) => new(false, error, 0, 0, 0, e2eMs, []);
}
