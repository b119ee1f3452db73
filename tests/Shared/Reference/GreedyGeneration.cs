namespace Kimi.Cluster.Tests.Shared.Reference;

/// <summary>Greedy continuation of a prompt: the generated tokens (prompt excluded) and per-step details.</summary>
public sealed record GreedyGeneration(IReadOnlyList<int> Tokens, IReadOnlyList<GreedyStep> Steps);
