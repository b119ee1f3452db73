namespace Kimi.Cluster.Constraints;

/// <summary>
/// One piece of what the output must be. An <see cref="OutputConstraint"/> is a sequence of them;
/// the byte-level steps (<see cref="LiteralText"/>, <see cref="JsonValue"/>) may be spelled by tokens
/// that run across their boundaries.
/// </summary>
public abstract record ConstraintStep;
