namespace Kimi.Cluster.Constraints;

/// <summary>What a compiled step does with the next token.</summary>
internal enum StepKind : byte
{
    FreeText,
    Special,
    Literal,
    Json,

    /// <summary>A OneOf: its alternatives' first steps (no token of its own).</summary>
    Fork,
}
