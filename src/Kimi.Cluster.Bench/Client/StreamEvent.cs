namespace Kimi.Cluster.Bench.Client;

/// <summary>
/// What one server-sent `data:` line of a completion stream said: new text (Text non-empty
/// means the chunk carried tokens), usage counts, an in-stream error, or the final [DONE].
/// </summary>
public sealed record StreamEvent(
    string Text,
    int? PromptTokens,
    int? CompletionTokens,
    string? Error,
    bool Done)
{
    public bool CarriesTokens => Text.Length > 0;

    public static StreamEvent DoneEvent { get; } = new("", null, null, null, Done: true);
}
