using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using Kimi.Cluster.Text.Chat;

namespace Kimi.Cluster.Text.Tests.Chat;

/// <summary>A conversation and its options, sent to the Python reference as the dicts apply_chat_template would get.</summary>
internal sealed record CrossCheckCase(IReadOnlyList<ChatMessage> Messages, ChatRenderOptions Options)
{
    public JsonObject ToJson() => new()
    {
        ["style"] = TemplateKey(Options.Style),
        ["messages"] = new JsonArray([.. Messages.Select(MessageJson)]),
        ["tools"] = new JsonArray([.. Options.Tools.Select(t => t.DeepClone())]),
        ["add_generation_prompt"] = Options.AddGenerationPrompt,
        ["thinking"] = Options.Thinking,
        ["continue_final_message"] = Messages.Count > 0 && Messages[^1].Partial,
    };

    /// <summary>The reference's name for a style's template file.</summary>
    public static string TemplateKey(ChatTemplateStyle style) => style switch
    {
        ChatTemplateStyle.KimiK2Instruct => "instruct",
        ChatTemplateStyle.KimiK2InstructFirstRelease => "instruct-2025-07",
        ChatTemplateStyle.KimiK2InstructAugust2025 => "instruct-2025-08",
        ChatTemplateStyle.KimiK2Thinking => "thinking",
        _ => "k25",
    };

    /// <summary>The same conversation and options, rendered with another template.</summary>
    public CrossCheckCase WithStyle(ChatTemplateStyle style) => this with { Options = Options with { Style = style } };

    /// <summary>Content as one string, a list of parts or null; absent fields left out, as an OpenAI request leaves them out.</summary>
    private static JsonObject MessageJson(ChatMessage message)
    {
        var json = new JsonObject
        {
            ["role"] = message.Role,
            ["content"] = message.Content is null ? null
                : message.ContentIsList ? new JsonArray([.. message.Content.Select(p => (JsonNode)(p.Source?.DeepClone() ?? new JsonObject { ["type"] = p.Type, ["text"] = p.Text }))])
                : message.Content[0].Text,
        };
        if (message.Name is not null)
            json["name"] = message.Name;
        if (message.ReasoningContent is not null || message.ReasoningContentIsNull)
            json["reasoning_content"] = message.ReasoningContent;
        if (message.ToolCallId is not null)
            json["tool_call_id"] = message.ToolCallId;
        if (message.ToolCalls is not null)
        {
            json["tool_calls"] = new JsonArray([.. message.ToolCalls.Select(c => (JsonNode)new JsonObject
            {
                ["id"] = c.Id,
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = c.Name, ["arguments"] = c.StructuredArguments?.DeepClone() ?? c.Arguments },
            })]);
        }
        return json;
    }
}

/// <summary>
/// FsCheck generators of conversations that exercise every branch of the templates. They draw one
/// of the three current styles (K2-Instruct-0905, K2-Thinking, K2.5); the cross-check renders each
/// conversation with the older K2-Instruct revisions as well.
/// </summary>
internal static class CrossCheckConversations
{
    private static readonly string[] _pieces =
        ["a", "Kimi", " ", "  ", "\n", "\t", "\"", "\\", "{", "}", "<b>", "#", "é", "日本", "😀", "\u0001", "\u007f", "0.5", "null", "'"];

    private static readonly string[] _toolSchemas =
    [
        """{"type":"function","function":{"name":"get_weather","description":"Weather\nby city","parameters":{"type":"object","properties":{"city":{"type":"string","description":"City","minLength":1},"days":{"type":"integer","default":3,"maximum":10},"unit":{"type":"string","enum":["c","f"],"default":"c"}},"required":["city"]}}}""",
        """{"type":"function","function":{"name":"noop"}}""",
        """{"type":"function","function":{"name":"tree","parameters":{"type":"object","properties":{"label":{"type":"string"},"kids":{"type":"array","items":{"$ref":"#"}}},"required":["label"]}}}""",
        """{"type":"function","function":{"name":"move","description":"Move it","parameters":{"type":"object","$defs":{"P":{"type":"object","description":"pt","properties":{"x":{"type":"number","default":1e-05},"y":{"type":"number"}},"required":["x"]}},"properties":{"to":{"$ref":"#/$defs/P"},"how":{"anyOf":[{"type":"string"},{"type":"null"}],"description":"mode"},"tags":{"type":"array","minItems":1,"items":{"type":"string","description":"tag"}},"extra":{"type":"object","additionalProperties":true},"kind":{"type":["string","integer","null"]},"opts":{"type":"object","properties":{"fast":{"type":"boolean","default":true}}}},"required":["to"]}}}""",
        """{"type":"function","function":{"name":"bad","parameters":{"type":"object","properties":{"x":{"description":"no type"}}}}}""",
        """{"type":"retrieval","retrieval":{"k":1.5e20}}""",
        """{"type":"function","function":{"name":"search","description":"Search.\n\nTwo lines.","parameters":{"type":"object","properties":{"zeta":{"type":"string","enum":["a","b"],"default":"a"},"query":{"type":"string","minLength":1,"maxLength":100,"pattern":"^q"},"limit":{"type":"integer","minimum":1,"maximum":50.5,"default":10},"exact":{"type":"boolean","default":false},"ratio":{"type":"number","default":0.5},"obj":{"type":"object","default":{"a":[1,"é"]}}},"required":["zeta","query"]}}}""",
        """{"type":"function","function":{"name":"edit","parameters":{"type":"object","properties":{"ops":{"type":"array","items":{"type":"object","description":"One op","properties":{"kind":{"enum":["add","del",3,null,true]},"at":{"type":["integer","null"]}},"required":["kind"]}},"meta":{"type":"object","additionalProperties":{"type":"string"}},"free":{"type":"object","additionalProperties":false},"any":{}},"required":["ops"]}}}""",
        """{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"x":{"type":"string","enum":[1]}}}}}""",
    ];

    public static Gen<string> Text =>
        Gen.ListOf(Gen.Elements(_pieces)).Select(parts => string.Concat(parts.Take(8)));

    private static Gen<string?> Maybe(Gen<string> gen) =>
        Gen.Frequency((2, Gen.Constant<string?>(null)), (3, gen.Select(s => (string?)s)));

    private static Gen<JsonNode> Arguments =>
        from city in Text
        from n in Gen.Choose(-1000, 1000)
        from flag in Gen.Elements(true, false)
        from nested in Gen.Elements("1.0", "2.5e-7", "[1, {\"k\": null}]", "{}", "123456789012345678901")
        select (JsonNode)new JsonObject { ["city"] = city, ["n"] = n, ["ok"] = flag, ["x"] = JsonNode.Parse(nested) };

    private static Gen<ChatToolCall> ToolCall =>
        from id in Gen.Elements("functions.get_weather:0", "functions.noop:1", "call_日本")
        from structured in Gen.Elements(true, false)
        from arguments in Arguments
        select structured ? ChatToolCall.FromObject(id, "f", arguments) : new ChatToolCall(id, "f", arguments.ToJsonString());

    /// <summary>A content part as a client sends it: text, an image, a video (the templates look at the type and the keys).</summary>
    private static Gen<ChatContentPart> Part =>
        Gen.Frequency(
            (4, Text.Select(ChatContentPart.FromText)),
            (4, Text.Select(t => ChatContentPart.FromText(t) with { Source = new JsonObject { ["type"] = "text", ["text"] = t } })),
            (1, Gen.Constant(new ChatContentPart("image_url", null) { Source = new JsonObject { ["type"] = "image_url", ["image_url"] = new JsonObject { ["url"] = "data:image/png;base64,AA==" } } })),
            (1, Gen.Constant(new ChatContentPart("image", null) { Source = new JsonObject { ["type"] = "image", ["image"] = "x.png" } })),
            (1, Gen.Constant(new ChatContentPart("video_url", null) { Source = new JsonObject { ["type"] = "video_url", ["video_url"] = new JsonObject { ["url"] = "v.mp4" } } })));

    /// <summary>No content, a string, or a list of parts.</summary>
    private static Gen<(ChatContentPart[]? Parts, bool IsList)> Content =>
        Gen.Frequency(
            (2, Gen.Constant<(ChatContentPart[]?, bool)>((null, false))),
            (3, Text.Select(t => ((ChatContentPart[]?)[ChatContentPart.FromText(t)], false))),
            (2, Gen.ArrayOf(Part).Select(p => ((ChatContentPart[]?)p.Take(4).ToArray(), true))));

    private static Gen<ChatMessage> Message =>
        from role in Gen.Elements("user", "assistant", "assistant", "system", "tool", "observer")
        from content in Content
        from name in Gen.Frequency((4, Gen.Constant<string?>(null)), (1, Gen.Elements<string?>("", "bob", "ユーザー")))
        from reasoning in Maybe(Text)
        from nullReasoning in Gen.Frequency((4, Gen.Constant(false)), (1, Gen.Constant(true)))
        from calls in Gen.Frequency((3, Gen.Constant<ChatToolCall[]?>(null)), (2, Gen.ArrayOf(ToolCall).Select(a => (ChatToolCall[]?)a.Take(3).ToArray())))
        from callId in Maybe(Gen.Elements("functions.get_weather:0", "c1"))
        select new ChatMessage
        {
            Role = role,
            Content = content.Parts,
            ContentIsList = content.IsList,
            Name = name,
            ReasoningContent = role == "assistant" && !nullReasoning ? reasoning : null,
            ReasoningContentIsNull = role == "assistant" && nullReasoning,
            ToolCalls = role == "assistant" ? calls : null,
            ToolCallId = role == "tool" ? callId : null,
        };

    private static Gen<ChatRenderOptions> Options =>
        from style in Gen.Elements(ChatTemplateStyle.KimiK2Instruct, ChatTemplateStyle.KimiK2Thinking, ChatTemplateStyle.KimiK25)
        from tools in Gen.SubListOf(_toolSchemas)
        from generationPrompt in Gen.Elements(true, false)
        from thinking in Gen.Elements(true, false)
        select new ChatRenderOptions
        {
            Style = style,
            Tools = [.. tools.Select(t => JsonNode.Parse(t)!.AsObject())],
            AddGenerationPrompt = generationPrompt,
            Thinking = thinking,
        };

    /// <summary>A partial last message ends with '.', which &lt;|im_end|&gt; lacks, so HF's rindex finds its content.</summary>
    public static Gen<CrossCheckCase> Case =>
        from messages in Gen.ListOf(Message).Select(m => m.Take(7).ToList())
        from options in Options
        from partial in Gen.Frequency((4, Gen.Constant<string?>(null)), (1, Text.Select(t => (string?)(t + ". "))))
        select new CrossCheckCase(
            partial is null ? messages : [.. messages, ChatMessage.Text("assistant", partial) with { Partial = true, ReasoningContent = "r" }],
            options);

    public static IReadOnlyList<CrossCheckCase> Sample(int count) => Case.Sample(count, 20);
}
