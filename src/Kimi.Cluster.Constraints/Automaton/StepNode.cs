namespace Kimi.Cluster.Constraints;

/// <summary>
/// One compiled step of an <see cref="OutputConstraint"/>, linked to the step after it (null: the
/// end, where only end tokens may come). A OneOf becomes a fork whose alternatives each run on to
/// the step after the OneOf, so the steps form an acyclic graph.
/// </summary>
internal sealed class StepNode(StepKind kind)
{
    public StepKind Kind { get; } = kind;
    public int TokenId { get; init; } = -1;
    public byte[] Text { get; init; } = [];
    public JsonGrammar? Grammar { get; init; }
    public StepNode? Next { get; init; }

    /// <summary>A fork's alternatives; null stands for an empty alternative at the end.</summary>
    public StepNode?[] Alternatives { get; init; } = [];

    /// <summary>The grammar of a JSON step (only asked of JSON steps).</summary>
    public JsonGrammar Json => Grammar ?? throw new InvalidOperationException($"a {Kind} step has no grammar");

    public override string ToString() => Kind switch
    {
        StepKind.Special or StepKind.FreeText => $"{Kind}({TokenId})",
        StepKind.Literal => $"Literal({System.Text.Encoding.UTF8.GetString(Text)})",
        _ => Kind.ToString(),
    };
}
