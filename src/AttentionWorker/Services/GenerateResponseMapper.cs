using Kimi.Cluster.AttentionWorker.Generation;
using Kimi.Cluster.Contracts.V1;
using Domain = Kimi.Cluster.Model.Engine;
using Scheduling = Kimi.Cluster.Scheduling;

namespace Kimi.Cluster.AttentionWorker.Services;

/// <summary>Maps the engine's tokens, results and model facts onto the proto messages.</summary>
public static class GenerateResponseMapper
{
    public static GeneratedToken ToProto(Domain.GeneratedToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var proto = new GeneratedToken { TokenId = token.TokenId, Logprob = token.Logprob };
        foreach (var alternative in token.TopLogprobs)
            proto.TopLogprobs.Add(new TopLogprob { TokenId = alternative.TokenId, Logprob = alternative.Logprob });
        return proto;
    }

    /// <summary>The stream's last message; only for results that finished (not cancelled ones).</summary>
    public static GenerateResponse ToFinalMessage(Domain.GenerationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new GenerateResponse
        {
            FinishReason = ToProto(result.FinishReason),
        };
    }

    public static FinishReason ToProto(Scheduling.FinishReason reason) => reason switch
    {
        Scheduling.FinishReason.Length => FinishReason.Length,
        Scheduling.FinishReason.Stop => FinishReason.Stop,
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "a cancelled sequence has no finish reason to report"),
    };

    public static ModelInfo ToProto(ModelDescriptor model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var info = new ModelInfo
        {
            ModelId = model.ModelId,
            VocabSize = (uint)model.VocabSize,
            MaxPositionEmbeddings = (uint)model.MaxPositionEmbeddings,
            Created = model.Created.ToUnixTimeSeconds(),
            BuiltIn = model.BuiltIn,
            AcceptsImages = model.AcceptsImages,
        };
        info.EosTokenIds.AddRange(model.EosTokenIds);
        return info;
    }
}
