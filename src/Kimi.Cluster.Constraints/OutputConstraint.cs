namespace Kimi.Cluster.Constraints;

/// <summary>
/// What a whole output must be: its steps in order. After the last step only the end tokens
/// (given to <see cref="ConstraintCursor.Start"/>) may come.
/// </summary>
public sealed record OutputConstraint(IReadOnlyList<ConstraintStep> Steps);
