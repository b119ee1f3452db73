using System.Text.Json.Nodes;
using Kimi.Cluster.Text.Chat;

namespace Kimi.Cluster.Text.Tests.Chat;

/// <summary>
/// K2-Instruct's July and August 2025 templates on one conversation, as jinja2 renders Moonshot's
/// files (the cross-check compares thousands more when python3-jinja2 is installed).
/// </summary>
public sealed class OlderInstructTemplateTests
{
    private static readonly JsonObject _tool = new() { ["type"] = "function", ["function"] = new JsonObject { ["name"] = "w" } };

    private const string Tools = """<|im_system|>tool_declare<|im_middle|>[{"type": "function", "function": {"name": "w"}}]<|im_end|>""";

    private static readonly ChatMessage[] _conversation =
    [
        ChatMessage.Text("developer", "D"),
        new() { Role = "user", Name = "alice", ContentIsList = true, Content = [ChatContentPart.FromText("Look"), new("image_url", null)] },
        ChatMessage.Text("assistant", "Checking.") with { ToolCalls = [new("functions.w:0", "w", """{"city":"Paris"}""")] },
        ChatMessage.Text("tool", "rain") with { ToolCallId = "functions.w:0" },
    ];

    private static string Render(ChatTemplateStyle style, IReadOnlyList<ChatMessage> messages) =>
        KimiChatTemplate.Render(messages, new ChatRenderOptions { Style = style, Tools = [_tool] });

    [Fact]
    public void Render_PrintsOnlyContent_WhenTheTemplateIsTheFirstRelease()
    {
        Assert.Equal(
            Tools + "<|im_system|>system<|im_middle|>You are a helpful assistant<|im_end|>D<|im_end|>"
            + "<|im_user|>user<|im_middle|>Look<|media_start|>image<|media_content|><|media_pad|><|media_end|><|im_end|>"
            + "<|im_assistant|>assistant<|im_middle|>Checking.<|im_end|><|im_system|>tool<|im_middle|>rain<|im_end|>"
            + "<|im_assistant|>assistant<|im_middle|>",
            Render(ChatTemplateStyle.KimiK2InstructFirstRelease, _conversation));
    }

    [Fact]
    public void Render_PrintsToolTurnsWithoutNames_WhenTheTemplateIsTheAugustRevision()
    {
        Assert.Equal(
            Tools + "<|im_system|>system<|im_middle|>You are Kimi, an AI assistant created by Moonshot AI.<|im_end|>D<|im_end|>"
            + "<|im_user|>user<|im_middle|>Look<|media_start|>image<|media_content|><|media_pad|><|media_end|>\n<|im_end|>"
            + "<|im_assistant|>assistant<|im_middle|>Checking.<|tool_calls_section_begin|><|tool_call_begin|>functions.w:0"
            + """<|tool_call_argument_begin|>{"city":"Paris"}<|tool_call_end|><|tool_calls_section_end|><|im_end|>"""
            + "<|im_system|>tool<|im_middle|>## Return of functions.w:0\n    rain<|im_end|><|im_assistant|>assistant<|im_middle|>",
            Render(ChatTemplateStyle.KimiK2InstructAugust2025, _conversation));
    }

    [Fact]
    public void Render_Throws_WhenTheFirstReleaseMeetsAMessageWithoutContent()
    {
        ChatMessage[] messages = [ChatMessage.Text("user", "Q"), new() { Role = "assistant", ToolCalls = [new("functions.w:0", "w", "{}")] }];

        var error = Assert.Throws<ArgumentException>(() => Render(ChatTemplateStyle.KimiK2InstructFirstRelease, messages));
        Assert.Contains("message 1", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("<|tool_calls_section_end|><|im_end|><|im_assistant|>assistant<|im_middle|>",
            Render(ChatTemplateStyle.KimiK2InstructAugust2025, messages), StringComparison.Ordinal);
    }
}
