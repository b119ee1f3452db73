namespace Kimi.Cluster.Bench.Load;

/// <summary>
/// The bounds every run stays within, so that a typo cannot turn the bench into a load
/// that never ends: loopback addresses only, and capped counts, lengths and times.
/// </summary>
public static class BenchLimits
{
    public const int MaxPrompts = 10_000;
    public const int MaxInputLen = 32_768;
    public const int MaxOutputLen = 8_192;
    public const int MaxConcurrency = 1_024;
    public const double MaxTimeoutSeconds = 3_600;
    public const double MaxDurationSeconds = 4 * 3_600;

    /// <summary>Null when the settings are within bounds, else the reason they are not.</summary>
    public static string? Check(BenchSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!IsLoopback(settings.Url))
            return $"--url must be a loopback http address (127.0.0.1, ::1 or localhost), not '{settings.Url}'.";
        if (settings.NumPrompts is < 1 or > MaxPrompts)
            return $"--num-prompts must be within 1..{MaxPrompts}.";
        if (settings.WarmupPrompts is < 0 or > MaxPrompts)
            return $"--warmup-prompts must be within 0..{MaxPrompts}.";
        if (settings.InputLen is < 1 or > MaxInputLen)
            return $"--input-len must be within 1..{MaxInputLen}.";
        if (settings.OutputLen is < 1 or > MaxOutputLen)
            return $"--output-len must be within 1..{MaxOutputLen}.";
        if (settings.Concurrency is < 1 or > MaxConcurrency)
            return $"--concurrency must be within 1..{MaxConcurrency}.";
        if (settings.RequestRate is { } rate && !(rate > 0 && double.IsFinite(rate)))
            return "--request-rate must be a positive number of requests per second.";
        if (settings.VocabSize < 2)
            return "--vocab-size must be at least 2.";
        if (!(settings.TimeoutSeconds > 0 && settings.TimeoutSeconds <= MaxTimeoutSeconds))
            return $"--timeout must be within (0, {MaxTimeoutSeconds}] seconds.";
        if (!(settings.MaxDurationSeconds > 0 && settings.MaxDurationSeconds <= MaxDurationSeconds))
            return $"--max-duration must be within (0, {MaxDurationSeconds}] seconds.";
        return null;
    }

    public static bool IsLoopback(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return url.IsAbsoluteUri && url.Scheme == Uri.UriSchemeHttp && url.IsLoopback;
    }
}
