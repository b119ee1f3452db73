namespace Kimi.Cluster.Constraints;

/// <summary>The few choices a JSON grammar leaves open: how much white space, how deep free values nest, and what 'format' means.</summary>
public sealed record JsonGrammarOptions
{
    public static JsonGrammarOptions Default { get; } = new();

    /// <summary>
    /// The most white space (space, newline, tab) allowed in one gap between JSON tokens, so that
    /// a model cannot loop on white space; 0 forces compact JSON.
    /// </summary>
    public int MaxWhitespace { get; init; } = 4;

    /// <summary>
    /// How deep objects and arrays may nest where the schema leaves a value free (<c>{}</c>,
    /// additionalProperties: true); past it only scalars. Keeps documents within parsers' depth limits.
    /// </summary>
    public int MaxFreeDepth { get; init; } = 16;

    /// <summary>
    /// Treat <c>format</c> as the annotation JSON Schema 2020-12 makes it by default, instead of
    /// refusing it (the grammar cannot enforce formats).
    /// </summary>
    public bool IgnoreFormat { get; init; }
}
