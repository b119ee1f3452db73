namespace Kimi.Cluster.Tests.Shared.Reference;

/// <summary>
/// Routing of one token: chosen experts sorted by biased score (descending, ties to the lower
/// id), their final weights, and the expert groups that survived group selection (ascending).
/// </summary>
public sealed record GateDecision(IReadOnlyList<int> ExpertIds, IReadOnlyList<double> Weights, IReadOnlyList<int> KeptGroups);
