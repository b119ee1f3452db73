using Kimi.Cluster.Bench.Load;

namespace Kimi.Cluster.Bench.Results;

/// <summary>Turns the per-request measurements of a run into its <see cref="BenchResult"/>.</summary>
public static class BenchResultBuilder
{
    // Enough to see what went wrong without a result file of ten thousand identical lines.
    private const int KeptErrors = 10;

    public static BenchResult Build(BenchSettings settings, string? model, IReadOnlyList<RequestResult> requests, TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(requests);
        var ok = requests.Where(request => request.Success).ToArray();
        var errors = requests.Where(request => !request.Success)
            .Select(request => request.Error ?? "unknown error")
            .Take(KeptErrors)
            .ToArray();
        double seconds = Math.Max(duration.TotalSeconds, 1e-9);
        long input = ok.Sum(request => (long)request.PromptTokens);
        long output = ok.Sum(request => (long)request.OutputTokens);
        return new BenchResult(
            settings.Url.ToString(), model, settings.NumPrompts, settings.InputLen, settings.OutputLen,
            settings.Concurrency, settings.RequestRate, settings.Seed,
            ok.Length, requests.Count - ok.Length, errors,
            duration.TotalSeconds, input, output,
            ok.Length / seconds, input / seconds, output / seconds,
            LatencySummary.Of(ok.Select(request => request.TtftMs).ToArray()),
            LatencySummary.Of(ok.SelectMany(request => request.ItlMs).ToArray()),
            LatencySummary.Of(ok.Select(request => request.E2eMs).ToArray()));
    }
}
