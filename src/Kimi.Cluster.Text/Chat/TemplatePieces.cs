using System.Text.Json.Nodes;

namespace Kimi.Cluster.Text.Chat;

/// <summary>
/// Text the templates print as one piece: media placeholders, raw content, tool declarations.
/// Kept apart from <see cref="KimiTemplateWriter"/>, which decides where each piece goes.
/// </summary>
internal static class TemplatePieces
{
    private const string OlderImage = "<|media_start|>image<|media_content|><|media_pad|><|media_end|>";

    /// <summary>K2.5: an image or a video by its type, each followed by the template's newline.</summary>
    public static string? K25MediaPlaceholder(ChatContentPart part) =>
        part.IsImage ? "<|media_begin|>image<|media_content|><|media_pad|><|media_end|>\n"
        : part.IsVideo ? "<|kimi_k25_video_placeholder|>\n"
        : null;

    /// <summary>K2-Thinking and K2-Instruct since August 2025: an older image and the newline the template leaves after it.</summary>
    public static string? OlderMediaPlaceholder(ChatContentPart part) => IsOlderImage(part) ? OlderImage + "\n" : null;

    /// <summary>K2-Instruct's first release: whitespace control on both sides of the image leaves no newline.</summary>
    public static string? FirstReleaseMediaPlaceholder(ChatContentPart part) => IsOlderImage(part) ? OlderImage : null;

    /// <summary>`{{ message['content'] }}`: a string as it is, a list as Python prints it, a missing content as None.</summary>
    public static string RawContent(ChatMessage message) =>
        message.Content is null ? "None"
        : message.ContentIsList ? PythonRepr.Repr(new JsonArray([.. message.Content.Select(p => (JsonNode)p.AsDict().DeepClone())]))
        : message.Content[0].Text ?? "None";

    /// <summary>
    /// What K2.5's tokenizer hands its template: tools = deep_sort_dict(tools), then tools_ts_str
    /// (the TypeScript declaration), which the template prints when it is set and not empty, else
    /// the sorted tools as compact JSON.
    /// </summary>
    public static string K25ToolDeclaration(IReadOnlyList<JsonObject> tools)
    {
        var sorted = tools.Select(JsonKeyOrder.DeepSorted).ToList();
        string? typeScript = TypeScriptToolDeclaration.Encode(sorted);
        return string.IsNullOrEmpty(typeScript) ? ToolsJson(sorted, PythonJson.CompactSeparators) : typeScript;
    }

    /// <summary>`tools | tojson` with the given separators.</summary>
    public static string ToolsJson(IEnumerable<JsonObject> tools, (string Item, string Key) separators) =>
        "[" + string.Join(separators.Item, tools.Select(t => PythonJson.Serialize(t, separators))) + "]";

    /// <summary>How many characters Python's str.strip would take off the end.</summary>
    public static int TrailingWhitespace(string text)
    {
        int end = text.Length;
        while (end > 0 && (char.IsWhiteSpace(text[end - 1]) || text[end - 1] is >= '\x1c' and <= '\x1f'))
            end--;
        return text.Length - end;
    }

    /// <summary>`content['type'] == 'image' or 'image' in content or 'image_url' in content`.</summary>
    private static bool IsOlderImage(ChatContentPart part) =>
        part.Type == "image" || part.HasKey("image") || part.HasKey("image_url");
}
