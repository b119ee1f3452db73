namespace Kimi.Cluster.Constraints;

/// <summary>Exactly the special token <paramref name="TokenId"/> (an id without a byte string).</summary>
public sealed record SpecialToken(int TokenId) : ConstraintStep;
