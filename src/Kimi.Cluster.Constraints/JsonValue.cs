namespace Kimi.Cluster.Constraints;

/// <summary>One JSON value of <paramref name="Grammar"/>, without white space before or after it.</summary>
public sealed record JsonValue(JsonGrammar Grammar) : ConstraintStep;
