namespace Kimi.Cluster.Constraints;

/// <summary>Exactly the UTF-8 bytes of <paramref name="Text"/>, spelled by whatever tokens the model picks.</summary>
public sealed record LiteralText(string Text) : ConstraintStep;
