namespace Kimi.Cluster.Constraints;

/// <summary>
/// One of several step sequences (which tool is called). The alternatives are followed together
/// until the output tells them apart, so alternatives may share a prefix.
/// </summary>
public sealed record OneOf(IReadOnlyList<IReadOnlyList<ConstraintStep>> Alternatives) : ConstraintStep;
