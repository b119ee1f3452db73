namespace Kimi.Cluster.Constraints;

/// <summary>A parsed regular expression without assertions: what its matches are made of.</summary>
internal abstract record PatternSyntax
{
    /// <summary>One character out of a set.</summary>
    public sealed record Characters(CodePointSet Set) : PatternSyntax;

    /// <summary>The parts one after another (empty: the empty string).</summary>
    public sealed record Sequence(IReadOnlyList<PatternSyntax> Parts) : PatternSyntax;

    /// <summary>Any one of the alternatives.</summary>
    public sealed record Choice(IReadOnlyList<PatternSyntax> Alternatives) : PatternSyntax;

    /// <summary>The body Min to Max times (Max null: unbounded).</summary>
    public sealed record Repeat(PatternSyntax Body, int Min, int? Max) : PatternSyntax;
}

/// <summary>
/// One top-level alternative of a pattern: its body and whether '^' ties it to the string's start
/// and '$' to its end. Without them the alternative may match anywhere (JSON Schema's patterns
/// are searched for, not matched whole).
/// </summary>
internal sealed record PatternBranch(PatternSyntax Body, bool AnchoredAtStart, bool AnchoredAtEnd);
