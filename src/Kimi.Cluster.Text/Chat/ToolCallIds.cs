namespace Kimi.Cluster.Text.Chat;

/// <summary>
/// Renames the tool-call ids of a conversation's history to Kimi's own form, "functions.NAME:IDX"
/// with IDX counting every call of the conversation from 0, as Moonshot's API does before it
/// renders: the model was trained on those ids, and an OpenAI-style "call_…" id from another
/// client or provider reads to it as noise. A tool message's tool_call_id follows the call it
/// answers (the latest call with that id, when a client reused one); an id no call carries is
/// kept as sent.
/// </summary>
public static class ToolCallIds
{
    public static IReadOnlyList<ChatMessage> Normalize(IReadOnlyList<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var renamed = new Dictionary<string, string>(StringComparer.Ordinal);
        int next = 0;
        var result = new List<ChatMessage>(messages.Count);
        foreach (var message in messages)
        {
            if (message.ToolCalls is { Count: > 0 } calls)
            {
                var normalized = new ChatToolCall[calls.Count];
                for (int i = 0; i < calls.Count; i++)
                {
                    string id = $"functions.{calls[i].Name}:{next++}";
                    renamed[calls[i].Id] = id;
                    normalized[i] = calls[i] with { Id = id };
                }
                result.Add(message with { ToolCalls = normalized });
            }
            else if (message.ToolCallId is { } answered && renamed.TryGetValue(answered, out var id))
                result.Add(message with { ToolCallId = id });
            else
                result.Add(message);
        }
        return result;
    }
}
