namespace Kimi.Cluster.Text.Chat;

/// <summary>One message of a conversation, as the chat template reads it.</summary>
public sealed record ChatMessage
{
    /// <summary>system, user, assistant or tool (any other role renders like system, as Kimi's template does).</summary>
    public required string Role { get; init; }

    /// <summary>The content's parts (a string is one text part); null when there is no content.</summary>
    public IReadOnlyList<ChatContentPart>? Content { get; init; }

    /// <summary>
    /// The content was sent as a list of parts rather than a string: K2-Instruct's template prints
    /// such a list as Python does where it prints content raw (tool results, tool-calling turns).
    /// </summary>
    public bool ContentIsList { get; init; }

    /// <summary>Shown instead of the role in the message header when set.</summary>
    public string? Name { get; init; }

    /// <summary>An assistant's reasoning (Kimi's reasoning_content).</summary>
    public string? ReasoningContent { get; init; }

    /// <summary>
    /// reasoning_content was sent as null (not left out): the thinking templates then print
    /// Python's str(None), "None", inside the turn's &lt;think&gt; block, as Moonshot's do.
    /// </summary>
    public bool ReasoningContentIsNull { get; init; }

    public IReadOnlyList<ChatToolCall>? ToolCalls { get; init; }

    /// <summary>A tool message's answer to this call id.</summary>
    public string? ToolCallId { get; init; }

    /// <summary>Kimi's partial mode: a last assistant message the model continues rather than answers.</summary>
    public bool Partial { get; init; }

    public static ChatMessage Text(string role, string text) => new() { Role = role, Content = [ChatContentPart.FromText(text)] };
}
