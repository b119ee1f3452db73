using Kimi.Cluster.Bench.Client;
using Kimi.Cluster.Bench.Load;
using Kimi.Cluster.Bench.Output;
using Kimi.Cluster.Bench.Results;
using Spectre.Console;

namespace Kimi.Cluster.Bench.Cli;

/// <summary>
/// Runs `run`: checks the bounds, asks the server what it serves, sends the load, prints the
/// table and writes the JSON. Exits 0 only when every request succeeded, so that scripts notice failures.
/// </summary>
public static class RunAction
{
    public static async Task<int> ExecuteAsync(BenchSettings settings, string? outputPath, IAnsiConsole console, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(console);
        if (BenchLimits.Check(settings) is { } problem)
        {
            console.MarkupLineInterpolated($"[red]{problem}[/]");
            return 2;
        }
        // Timeouts are per request (see CompletionStreamClient), not per client. With new
        // connections every request says Connection: close and nothing is pooled: the header
        // alone still lets a request go out on a kept connection the server has dropped (the
        // model probe's, say).
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = settings.NewConnections ? TimeSpan.Zero : Timeout.InfiniteTimeSpan };
        using var http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.ConnectionClose = settings.NewConnections ? true : null;
        string model;
        try
        {
            (model, int? maxModelLen) = await ModelProbe.ReadAsync(http, settings.Url, cancellation);
            if (maxModelLen is { } max && settings.InputLen + settings.OutputLen > max)
                console.MarkupLineInterpolated($"[yellow]input + output length {settings.InputLen + settings.OutputLen} exceeds max_model_len {max}; requests may fail.[/]");
        }
        catch (Exception error) when (error is HttpRequestException or OperationCanceledException or System.Text.Json.JsonException or InvalidOperationException or KeyNotFoundException)
        {
            console.MarkupLineInterpolated($"[red]GET {settings.Url}v1/models failed: {error.Message}[/]");
            return 1;
        }
        console.MarkupLineInterpolated(
            $"{settings.NumPrompts} prompts × {settings.InputLen} in / {settings.OutputLen} out to {model}, concurrency {settings.Concurrency?.ToString() ?? "unbounded"}, rate {settings.RequestRate?.ToString() ?? "inf"}/s");
        if (WarmupRun.SettingsFor(settings) is { } warmupSettings)
        {
            var (warmups, warmupDuration) = await new BenchRunner(http).RunAsync(warmupSettings, cancellation);
            var failures = warmups.Where(request => !request.Success).ToList();
            console.MarkupLineInterpolated($"warm-up: {warmups.Count} requests in {warmupDuration.TotalSeconds:F1} s, not counted");
            if (failures.Count > 0)
                console.MarkupLineInterpolated($"[yellow]warm-up: {failures.Count} of {warmups.Count} requests failed, the first with: {failures[0].Error}[/]");
        }
        var (requests, duration) = await new BenchRunner(http).RunAsync(settings, cancellation);
        var result = BenchResultBuilder.Build(settings, model, requests, duration);
        ResultTable.Write(console, result);
        if (outputPath is not null)
        {
            await BenchJson.WriteAsync(outputPath, result, CancellationToken.None);
            console.MarkupLineInterpolated($"wrote {outputPath}");
        }
        return result.Failed == 0 ? 0 : 1;
    }
}
