namespace Kimi.Cluster.Router.Completions;

/// <summary>One choice: its text, optional logprobs, and why it ended ("stop", "length"; null mid-stream).</summary>
public sealed record CompletionChoice(int Index, string Text, CompletionLogprobs? Logprobs, string? FinishReason);
