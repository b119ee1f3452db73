using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Router.Api;
using Kimi.Cluster.Router.Completions;
using Kimi.Cluster.Router.Routing;

namespace Kimi.Cluster.Router.Generation;

/// <summary>
/// Streams an answer's n choices as OpenAI's server-sent events, whatever their chunk format:
/// the chunks in arrival order, the usage chunk when asked for, a failure after the stream began
/// as an in-stream error body, then data: [DONE].
/// </summary>
public static class ServerSentAnswer
{
    public static async Task WriteAsync(
        HttpResponse response, IReadOnlyList<GenerateRequest> requests, IReadOnlyList<ChoiceDecoder> decoders,
        AttentionWorkerPool worker, IAnswerChunks chunks, bool includeUsage, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        await using var streams = ChoiceStreams.Open(requests, decoders, worker, cancellation);
        // Until every choice has answered once, a refusal can still be a plain 4xx response.
        await streams.WaitForFirstResponsesAsync();

        var sse = new SseWriter(response);
        sse.Start();
        try
        {
            foreach (object chunk in chunks.Opening())
                await sse.WriteAsync(chunk, cancellation);
            await foreach (var (index, step) in streams.ReadAllAsync(cancellation))
            {
                foreach (object chunk in chunks.Next(index, step))
                    await sse.WriteAsync(chunk, cancellation);
            }
            if (includeUsage)
            {
                await sse.WriteAsync(chunks.Usage(CompletionUsage.Of(streams.Decoders)), cancellation);
            }
        }
        catch (ApiException error)
        {
            // The status line has gone out already: report the failure in-stream, as vLLM does.
            await sse.WriteAsync(error.ToBody(), cancellation);
        }
        await sse.WriteDoneAsync(cancellation);
    }
}
