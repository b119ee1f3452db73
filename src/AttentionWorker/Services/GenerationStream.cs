using System.Threading.Channels;
using Grpc.Core;
using Kimi.Cluster.Contracts.V1;
using Domain = Kimi.Cluster.Model.Engine;

namespace Kimi.Cluster.AttentionWorker.Services;

/// <summary>
/// Writes one call's response stream: whatever tokens have been sampled since the last
/// write go out in one message, and the prompt size rides on the first message.
/// </summary>
public sealed class GenerationStream(IServerStreamWriter<GenerateResponse> writer, int promptTokens)
{
    private bool _sentFirst;

    public async Task WriteTokensAsync(ChannelReader<Domain.GeneratedToken> tokens, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        while (await tokens.WaitToReadAsync(cancellation))
        {
            var response = new GenerateResponse();
            while (tokens.TryRead(out var token))
                response.Tokens.Add(GenerateResponseMapper.ToProto(token));
            await WriteAsync(response, cancellation);
        }
    }

    public Task WriteFinalAsync(Domain.GenerationResult result, CancellationToken cancellation) =>
        WriteAsync(GenerateResponseMapper.ToFinalMessage(result), cancellation);

    private Task WriteAsync(GenerateResponse response, CancellationToken cancellation)
    {
        if (!_sentFirst)
        {
            response.PromptTokens = (uint)promptTokens;
            _sentFirst = true;
        }
        return writer.WriteAsync(response, cancellation);
    }
}
