namespace Kimi.Cluster.Constraints;

/// <summary>Links an <see cref="OutputConstraint"/>'s steps into <see cref="StepNode"/>s, checking their token ids.</summary>
internal sealed class StepCompiler(TokenVocabulary vocabulary)
{
    /// <summary>The special token ids the steps name (they may not also be end tokens).</summary>
    public HashSet<int> TokenIds { get; } = [];

    /// <summary>The first step of <paramref name="steps"/>, each linked to the next and the last to <paramref name="next"/>.</summary>
    public StepNode? Link(IReadOnlyList<ConstraintStep> steps, StepNode? next)
    {
        ArgumentNullException.ThrowIfNull(steps);
        for (int i = steps.Count - 1; i >= 0; i--)
            next = Compile(steps[i], next);
        return next;
    }

    private StepNode Compile(ConstraintStep step, StepNode? next) => step switch
    {
        FreeTextUntil free => new StepNode(StepKind.FreeText) { TokenId = Special(free.TokenId), Next = next },
        SpecialToken special => new StepNode(StepKind.Special) { TokenId = Special(special.TokenId), Next = next },
        LiteralText literal => new StepNode(StepKind.Literal) { Text = System.Text.Encoding.UTF8.GetBytes(literal.Text), Next = next },
        JsonValue json => new StepNode(StepKind.Json) { Grammar = json.Grammar ?? throw new ArgumentException("a JsonValue step needs a grammar"), Next = next },
        OneOf oneOf => new StepNode(StepKind.Fork) { Alternatives = [.. oneOf.Alternatives.Select(steps => Link(steps, next))], Next = next },
        null => throw new ArgumentException("a constraint step is null"),
        _ => throw new ArgumentException($"unknown constraint step {step.GetType().Name}"),
    };

    private int Special(int tokenId)
    {
        if ((uint)tokenId >= (uint)vocabulary.Count || !vocabulary.IsSpecial(tokenId))
            throw new ArgumentException($"token {tokenId} is not a special token (an id without a byte string) of this {vocabulary.Count}-id vocabulary");
        TokenIds.Add(tokenId);
        return tokenId;
    }
}
