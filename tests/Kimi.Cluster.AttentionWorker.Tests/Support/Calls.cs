using Grpc.Core;
using Kimi.Cluster.Contracts.V1;
using Contract = Kimi.Cluster.Contracts.V1.AttentionWorker;

namespace Kimi.Cluster.AttentionWorker.Tests.Support;

/// <summary>Helpers to build requests and read whole Generate streams.</summary>
public static class Calls
{
    public static GenerateRequest Greedy(uint maxTokens, params int[] prompt)
    {
        var request = new GenerateRequest { MaxTokens = maxTokens, Sampling = new SamplingOptions { Temperature = 0, TopP = 1 } };
        request.PromptTokenIds.AddRange(prompt);
        return request;
    }

    public static async Task<List<GenerateResponse>> GenerateAllAsync(
        Contract.AttentionWorkerClient client, GenerateRequest request, CancellationToken cancellation = default)
    {
        using var call = client.Generate(request, cancellationToken: cancellation);
        var responses = new List<GenerateResponse>();
        await foreach (var response in call.ResponseStream.ReadAllAsync(cancellation))
            responses.Add(response);
        return responses;
    }

    public static List<int> TokenIds(IEnumerable<GenerateResponse> responses) =>
        responses.SelectMany(response => response.Tokens).Select(token => token.TokenId).ToList();
}
