using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Kimi.Cluster.Bench.Results;

namespace Kimi.Cluster.Bench.Client;

/// <summary>
/// Sends one streaming completion and times it: TTFT is the first chunk carrying text,
/// each inter-token latency the gap between successive chunks carrying text (as vLLM
/// measures them), and end-to-end the time until [DONE]. Never throws for a failed request.
/// </summary>
public sealed class CompletionStreamClient(HttpClient http, Uri baseUrl, TimeSpan timeout)
{
    private readonly Uri _completions = new(baseUrl, "v1/completions");

    public async Task<RequestResult> SendAsync(IReadOnlyList<int> prompt, int maxTokens, CancellationToken cancellation)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(timeout);
        long start = Stopwatch.GetTimestamp();
        try
        {
            return await MeasureAsync(prompt, maxTokens, start, deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return RequestResult.Failed($"timed out after {timeout.TotalSeconds:0.#} s", Elapsed(start));
        }
        catch (OperationCanceledException)
        {
            return RequestResult.Failed("cancelled: the run reached its --max-duration", Elapsed(start));
        }
        catch (Exception error) when (error is HttpRequestException or IOException)
        {
            return RequestResult.Failed(Describe(error), Elapsed(start));
        }
    }

    private async Task<RequestResult> MeasureAsync(IReadOnlyList<int> prompt, int maxTokens, long start, CancellationToken cancellation)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _completions)
        {
            Content = new StringContent(CompletionRequestBody.Build(prompt, maxTokens), Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellation);
        if (!response.IsSuccessStatusCode)
        {
            string body = await response.Content.ReadAsStringAsync(cancellation);
            return RequestResult.Failed($"HTTP {(int)response.StatusCode}: {Shorten(body)}", Elapsed(start));
        }
        await using var stream = await response.Content.ReadAsStreamAsync(cancellation);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var itl = new List<double>();
        double ttft = 0;
        long lastToken = 0;
        int tokenChunks = 0;
        int? promptTokens = null, outputTokens = null;
        while (await reader.ReadLineAsync(cancellation) is { } line)
        {
            if (SseChunkParser.Parse(line) is not { } chunk)
                continue;
            long now = Stopwatch.GetTimestamp();
            if (chunk.Error is not null)
                return RequestResult.Failed($"in-stream error: {Shorten(chunk.Error)}", Elapsed(start));
            if (chunk.Done)
            {
                if (tokenChunks == 0)
                    return RequestResult.Failed("the stream ended without a token", Elapsed(start));
                return new RequestResult(true, null, promptTokens ?? prompt.Count, outputTokens ?? tokenChunks,
                    ttft, Elapsed(start), itl);
            }
            promptTokens = chunk.PromptTokens ?? promptTokens;
            outputTokens = chunk.CompletionTokens ?? outputTokens;
            if (!chunk.CarriesTokens)
                continue;
            if (tokenChunks == 0)
                ttft = Stopwatch.GetElapsedTime(start, now).TotalMilliseconds;
            else
                itl.Add(Stopwatch.GetElapsedTime(lastToken, now).TotalMilliseconds);
            lastToken = now;
            tokenChunks++;
        }
        return RequestResult.Failed("the stream closed before data: [DONE]", Elapsed(start));
    }

    /// <summary>
    /// The error and its causes: HttpClient's own message ("An error occurred while sending the
    /// request") says nothing of why; the inner exceptions do (a reset connection, say).
    /// </summary>
    private static string Describe(Exception error)
    {
        var text = new StringBuilder($"{error.GetType().Name}: {error.Message}");
        for (var cause = error.InnerException; cause is not null; cause = cause.InnerException)
            text.Append($" ({cause.GetType().Name}: {cause.Message})");
        return text.ToString();
    }

    private static double Elapsed(long start) => Stopwatch.GetElapsedTime(start).TotalMilliseconds;

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
