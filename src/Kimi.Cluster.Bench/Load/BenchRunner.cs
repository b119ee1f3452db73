using System.Diagnostics;
using Kimi.Cluster.Bench.Client;
using Kimi.Cluster.Bench.Results;

namespace Kimi.Cluster.Bench.Load;

/// <summary>
/// Sends the run's requests on their arrival schedule, at most Concurrency in flight, and
/// collects one result per prompt. The run ends by itself: each request has its timeout and
/// the whole run its max duration, after which requests not yet done count as failed.
/// </summary>
public sealed class BenchRunner(HttpClient http)
{
    public async Task<(IReadOnlyList<RequestResult> Requests, TimeSpan Duration)> RunAsync(
        BenchSettings settings, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var prompts = PromptGenerator.Generate(settings.NumPrompts, settings.InputLen, settings.VocabSize, settings.Seed);
        // A different stream from the prompts', so that changing the rate keeps the prompts.
        var offsets = PoissonArrivals.Offsets(settings.NumPrompts, settings.RequestRate, unchecked(settings.Seed + 1));
        var client = new CompletionStreamClient(http, settings.Url, TimeSpan.FromSeconds(settings.TimeoutSeconds));
        using var slots = new SemaphoreSlim(settings.Concurrency ?? settings.NumPrompts);
        using var run = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        run.CancelAfter(TimeSpan.FromSeconds(settings.MaxDurationSeconds));
        long start = Stopwatch.GetTimestamp();

        async Task<RequestResult> SendOneAsync(int index)
        {
            try
            {
                var wait = offsets[index] - Stopwatch.GetElapsedTime(start);
                if (wait > TimeSpan.Zero)
                    await Task.Delay(wait, run.Token);
                await slots.WaitAsync(run.Token);
            }
            catch (OperationCanceledException)
            {
                return RequestResult.Failed("not sent: the run reached its --max-duration or was cancelled", 0);
            }
            try
            {
                return await client.SendAsync(prompts[index], settings.OutputLen, run.Token);
            }
            finally
            {
                slots.Release();
            }
        }

        var results = await Task.WhenAll(Enumerable.Range(0, settings.NumPrompts).Select(SendOneAsync));
        return (results, Stopwatch.GetElapsedTime(start));
    }
}
