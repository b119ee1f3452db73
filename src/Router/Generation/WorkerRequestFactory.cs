using Kimi.Cluster.Contracts.V1;

namespace Kimi.Cluster.Router.Generation;

/// <summary>Builds the worker request for one choice of a planned completion or chat.</summary>
public static class WorkerRequestFactory
{
    public static GenerateRequest Create(IGenerationPlan plan, int choiceIndex, string completionId)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var sampling = new SamplingOptions
        {
            Temperature = plan.Temperature,
            TopP = plan.TopP,
            TopK = plan.TopK,
            PresencePenalty = plan.PresencePenalty,
            FrequencyPenalty = plan.FrequencyPenalty,
        };
        // Choice i samples with seed + i: reproducible, yet the n choices differ.
        if (plan.Seed is long seed)
            sampling.Seed = unchecked((ulong)seed + (ulong)choiceIndex);
        var request = new GenerateRequest
        {
            RequestId = $"{completionId}-{choiceIndex}",
            Sampling = sampling,
            MaxTokens = plan.MaxTokens,
            Logprobs = (uint)plan.AlternativesPerToken,
            IgnoreEos = plan.IgnoreEos,
            Constraint = plan.Constraint,
        };
        request.PromptTokenIds.AddRange(plan.PromptTokenIds);
        request.StopTokenIds.AddRange(plan.StopTokenIds);
        request.Images.AddRange(plan.Images);
        // Stop strings are the router's: it matches them on the decoded text (ChoiceDecoder).
        return request;
    }
}
