namespace Kimi.Cluster.Tests.Shared.Reference;

/// <summary>One greedy step: the chosen token, its logprob, and the top logprobs (best first, ties to the lower id).</summary>
public sealed record GreedyStep(int TokenId, double Logprob, IReadOnlyList<TokenLogprob> TopLogprobs);
