namespace Kimi.Cluster.Constraints;

/// <summary>
/// One configuration of the constraint automaton: the step it is in and, in a JSON step, the stack
/// of open containers, the schema of the value being read and a few small counters. A value type
/// with structural equality: states are sets of these, and masks are cached by state.
/// </summary>
/// <param name="Step">The current step; null when every step is done.</param>
/// <param name="Node">The schema of the value being read (ValueStart, String, Number, Literal, Colon).</param>
/// <param name="A">Literal: bytes matched; string: code points counted; key or value trie: node.</param>
/// <param name="B">String: characters counted toward minLength (capped at it).</param>
/// <param name="Sub">String: escape and UTF-8 sub-state; number: phase.</param>
/// <param name="Ws">White space bytes in the current gap.</param>
/// <param name="Extra">A bounded number's text so far (bounded in length).</param>
/// <param name="PatternState">String with a pattern: the pattern automaton's state.</param>
internal readonly record struct Config(
    StepNode? Step,
    Frame? Stack = null,
    SchemaNode? Node = null,
    JsonMode Mode = JsonMode.Start,
    int A = 0,
    int B = 0,
    byte Sub = 0,
    byte Ws = 0,
    string? Extra = null,
    int PatternState = 0)
{
    public static Config At(StepNode? step) => new(step);

    public bool IsDone => Step is null;

    /// <summary>The stack of a configuration inside a container (only asked there).</summary>
    public Frame Top => Stack ?? throw new InvalidOperationException("no open container");
}
