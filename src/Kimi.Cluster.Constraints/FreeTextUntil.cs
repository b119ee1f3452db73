namespace Kimi.Cluster.Constraints;

/// <summary>
/// Any text tokens until the special token <paramref name="TokenId"/> is produced (it is part of
/// this step): reasoning before <c>&lt;/think&gt;</c>. No other special token and no end token may
/// come inside: a tool-call marker there would start a call nothing checks.
/// </summary>
public sealed record FreeTextUntil(int TokenId) : ConstraintStep;
