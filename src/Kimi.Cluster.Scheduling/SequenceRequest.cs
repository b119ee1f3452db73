namespace Kimi.Cluster.Scheduling;

/// <summary>A request to generate up to <paramref name="MaxTokens"/> tokens after a prompt.</summary>
public sealed record SequenceRequest(long Id, IReadOnlyList<int> PromptTokens, int MaxTokens);
