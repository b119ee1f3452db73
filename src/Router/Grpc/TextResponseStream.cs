using Grpc.Core;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Router.Generation;
using Kimi.Cluster.Router.Routing;
using Kimi.Cluster.Router.Text;
using Kimi.Cluster.Router.Worker;

namespace Kimi.Cluster.Router.Grpc;

/// <summary>
/// Runs one planned Generate against the worker and writes its chunks, then the one final
/// message; the worker call carries the client's deadline and ends when the token is cancelled.
/// </summary>
public static class TextResponseStream
{
    public static async Task WriteAsync(
        AttentionWorkerPool worker, GenerationPlan plan, ModelText text, IServerStreamWriter<GenerateTextResponse> responses,
        DateTime? deadline, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(worker);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(responses);
        var decoder = new ChoiceDecoder(text.StartDecoding(keepStructuralTokens: false, renderTokenIds: false), plan.Stops);
        await foreach (var response in worker.GenerateAsync(plan.Worker, deadline, cancellation))
        {
            var step = decoder.Next(response);
            if (step.Tokens.Count > 0 || (plan.ReturnText && step.Text.Length > 0))
                await responses.WriteAsync(Chunk(step, plan), cancellation);
            // Leaving the loop ends the worker call: a stop string ends it here.
            if (decoder.FinishReason is not null)
                break;
        }
        if (decoder.FinishReason is not { } finish)
            throw new RpcException(new Status(StatusCode.Unavailable, "the attention worker ended the stream without finishing"));
        await responses.WriteAsync(Complete(plan.RequestId, finish, decoder), cancellation);
    }

    private static GenerateTextResponse Chunk(DecodedStep step, GenerationPlan plan)
    {
        var chunk = new GenerateChunk { Text = plan.ReturnText ? step.Text : "" };
        chunk.TokenIds.AddRange(step.Tokens.Select(token => token.TokenId));
        if (plan.ReturnLogprobs)
            chunk.Logprobs.AddRange(step.Tokens);
        return new GenerateTextResponse { Chunk = chunk };
    }

    private static GenerateTextResponse Complete(string requestId, string finish, ChoiceDecoder decoder) => new()
    {
        Complete = new GenerateComplete
        {
            RequestId = requestId,
            FinishReason = finish == "length" ? FinishReason.Length : FinishReason.Stop,
            Usage = new GenerateUsage { PromptTokens = (uint)decoder.PromptTokens, CompletionTokens = (uint)decoder.CompletionTokens },
        },
    };
}
