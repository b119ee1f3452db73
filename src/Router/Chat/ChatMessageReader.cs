using System.Text.Json;
using System.Text.Json.Nodes;
using Kimi.Cluster.Router.Api;
using Kimi.Cluster.Text.Chat;

namespace Kimi.Cluster.Router.Chat;

/// <summary>
/// Reads the messages field into the chat template's messages; a malformed message is a 400
/// naming `messages` and saying which message and what is wrong.
/// </summary>
public static class ChatMessageReader
{
    private static readonly HashSet<string> Roles = ["system", "developer", "user", "assistant", "tool"];

    public static IReadOnlyList<ChatMessage> Read(JsonElement? messages)
    {
        if (messages is not { ValueKind: JsonValueKind.Array } array)
            throw Invalid("messages is required: an array of {\"role\", \"content\"} objects");
        if (array.GetArrayLength() == 0)
            throw Invalid("messages must hold at least one message");
        var read = new List<ChatMessage>();
        int index = 0;
        foreach (var message in array.EnumerateArray())
            read.Add(ReadMessage(message, index++));
        for (int i = 0; i < read.Count - 1; i++)
        {
            if (read[i].Partial)
                throw Invalid($"messages[{i}]: only the last message may be partial");
        }
        return read;
    }

    private static ChatMessage ReadMessage(JsonElement message, int index)
    {
        string at = $"messages[{index}]";
        if (message.ValueKind != JsonValueKind.Object)
            throw Invalid($"{at} must be an object with a role and content");
        string role = String(message, "role", at) ?? throw Invalid($"{at} has no role");
        if (!Roles.Contains(role))
            throw Invalid($"{at}.role '{role}' is not one of system, developer, user, assistant, tool");
        bool partial = message.TryGetProperty("partial", out var partialValue) && partialValue.ValueKind == JsonValueKind.True;
        if (partial && role != "assistant")
            throw Invalid($"{at}: only an assistant message can be partial");
        var toolCalls = role == "assistant" ? ReadToolCalls(message, at) : null;
        string? toolCallId = String(message, "tool_call_id", at);
        if (role == "tool" && string.IsNullOrEmpty(toolCallId))
            throw Invalid($"{at}: a tool message needs tool_call_id, the id of the call it answers");
        var content = ReadContent(message, at);
        if (content is null && toolCalls is null && role != "assistant")
            throw Invalid($"{at} has no content");
        return new ChatMessage
        {
            // "developer" (OpenAI's newer name for system) stays as sent: Moonshot's templates render it
            // as a system-style turn named developer.
            Role = role,
            Content = content,
            ContentIsList = message.TryGetProperty("content", out var sent) && sent.ValueKind == JsonValueKind.Array,
            Name = String(message, "name", at),
            ReasoningContent = String(message, "reasoning_content", at),
            // Moonshot's thinking templates print a null reasoning_content as Python's None.
            ReasoningContentIsNull = message.TryGetProperty("reasoning_content", out var reasoning) && reasoning.ValueKind == JsonValueKind.Null,
            ToolCalls = toolCalls,
            ToolCallId = toolCallId,
            Partial = partial,
        };
    }

    private static List<ChatContentPart>? ReadContent(JsonElement message, string at)
    {
        if (!message.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null)
            return null;
        if (content.ValueKind == JsonValueKind.String)
            return [ChatContentPart.FromText(content.GetString()!)];
        if (content.ValueKind != JsonValueKind.Array)
            throw Invalid($"{at}.content must be a string or an array of content parts");
        var parts = new List<ChatContentPart>();
        int index = 0;
        foreach (var part in content.EnumerateArray())
        {
            string partAt = $"{at}.content[{index++}]";
            string? type = part.ValueKind == JsonValueKind.Object ? String(part, "type", partAt) : null;
            if (type == "text")
            {
                string text = String(part, "text", partAt) ?? throw Invalid($"{partAt} has no text");
                parts.Add(ChatContentPart.FromText(text) with { Source = JsonNode.Parse(part.GetRawText())!.AsObject() });
            }
            else if (type is "image_url" or "input_image")
                parts.Add(new ChatContentPart("image_url", null) { Source = JsonNode.Parse(part.GetRawText())!.AsObject(), ImageUrl = ImageUrl(part, partAt) });
            else if (type is "image" or "video_url" or "video" or "input_audio" or "file")
                throw Invalid($"{partAt}: content parts of type '{type}' are not supported; images come as {{\"type\": \"image_url\", \"image_url\": {{\"url\": ...}}}}");
            else
                throw Invalid($"{partAt} must be {{\"type\": \"text\", \"text\": ...}} or {{\"type\": \"image_url\", \"image_url\": {{\"url\": ...}}}}");
        }
        return parts;
    }

    /// <summary>OpenAI's {"image_url": {"url": ...}}, or the plain string some clients (and the Responses API) send.</summary>
    private static string ImageUrl(JsonElement part, string at)
    {
        if (!part.TryGetProperty("image_url", out var image))
            throw Invalid($"{at} has no image_url");
        string? url = image.ValueKind switch
        {
            JsonValueKind.String => image.GetString(),
            JsonValueKind.Object => String(image, "url", at + ".image_url"),
            _ => throw Invalid($"{at}.image_url must be an object with a url"),
        };
        return string.IsNullOrEmpty(url) ? throw Invalid($"{at}.image_url has no url") : url;
    }

    private static List<ChatToolCall>? ReadToolCalls(JsonElement message, string at)
    {
        if (!message.TryGetProperty("tool_calls", out var calls) || calls.ValueKind == JsonValueKind.Null)
            return null;
        if (calls.ValueKind != JsonValueKind.Array)
            throw Invalid($"{at}.tool_calls must be an array");
        var read = new List<ChatToolCall>();
        int index = 0;
        foreach (var call in calls.EnumerateArray())
        {
            string callAt = $"{at}.tool_calls[{index++}]";
            if (call.ValueKind != JsonValueKind.Object || !call.TryGetProperty("function", out var function)
                || function.ValueKind != JsonValueKind.Object)
            {
                throw Invalid($"{callAt} must be {{\"id\", \"type\": \"function\", \"function\": {{\"name\", \"arguments\"}}}}");
            }
            string id = String(call, "id", callAt) ?? throw Invalid($"{callAt} has no id");
            string name = String(function, "name", callAt + ".function") ?? throw Invalid($"{callAt}.function has no name");
            // Arguments sent as a JSON value (not the usual string) render as the template's tojson of it.
            if (function.TryGetProperty("arguments", out var args) && args.ValueKind is not (JsonValueKind.Null or JsonValueKind.String))
                read.Add(ChatToolCall.FromObject(id, name, JsonNode.Parse(args.GetRawText())!));
            else
                read.Add(new ChatToolCall(id, name, args.ValueKind == JsonValueKind.String ? args.GetString()! : "{}"));
        }
        return read;
    }

    private static string? String(JsonElement owner, string field, string at)
    {
        if (!owner.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw Invalid($"{at}.{field} must be a string");
    }

    private static ApiException Invalid(string message) => ApiException.InvalidRequest(message, "messages");
}
