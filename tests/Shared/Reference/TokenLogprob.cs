namespace Kimi.Cluster.Tests.Shared.Reference;

/// <summary>A token id and its log-probability.</summary>
public readonly record struct TokenLogprob(int TokenId, double Logprob);
