using System.Text.Json.Nodes;

namespace Kimi.Cluster.Text.Chat;

/// <summary>
/// A part of a message's content: text, or an image or a video, which the templates render as
/// placeholder tokens (the encoder's embeddings take the pads' place).
/// </summary>
public sealed record ChatContentPart(string Type, string? Text)
{
    /// <summary>
    /// The part as the client sent it. K2-Instruct's template prints a tool result's content list
    /// as Python prints a list of dicts, and K2-Thinking's tells an image by its keys; without a
    /// source the part reads as OpenAI writes one: {"type": Type, Type: ...}, so a text part as
    /// {"type": "text", "text": Text}.
    /// </summary>
    public JsonObject? Source { get; init; }

    /// <summary>An image part's URL (a data: URL or an http(s) one), as the client sent it; null for other parts.</summary>
    public string? ImageUrl { get; init; }

    /// <summary>An image as K2.5's template tells one: by its type.</summary>
    public bool IsImage => Type is "image" or "image_url";

    /// <summary>A video as K2.5's template tells one: by its type.</summary>
    public bool IsVideo => Type is "video" or "video_url";

    public static ChatContentPart FromText(string text) => new("text", text);

    /// <summary>Whether the part, as a Python dict, has <paramref name="key"/> (`key in content`).</summary>
    public bool HasKey(string key) => Source?.ContainsKey(key) ?? (key == "type" || key == Type);

    /// <summary>The part as a Python dict (json.loads of what the client sent).</summary>
    internal JsonObject AsDict() => Source ?? new JsonObject { ["type"] = Type, ["text"] = Text };
}
