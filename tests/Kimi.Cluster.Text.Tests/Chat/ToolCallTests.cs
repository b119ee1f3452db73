using System.Text.Json.Nodes;
using Kimi.Cluster.Text.Chat;

namespace Kimi.Cluster.Text.Tests.Chat;

public sealed class ToolCallTests
{
    private static readonly ChatMessage[] _conversation =
    [
        ChatMessage.Text("system", "S"),
        ChatMessage.Text("user", "Paris and Rome?"),
        ChatMessage.Text("assistant", "Checking.") with
        {
            ReasoningContent = "two calls",
            ToolCalls =
            [
                new("functions.get_weather:0", "get_weather", """{"city":"Paris"}"""),
                ChatToolCall.FromObject("functions.get_weather:1", "get_weather", JsonNode.Parse("""{"city":"Rome","days":2,"ratio":0.5}""")!),
            ],
        },
        new() { Role = "tool", ToolCallId = "functions.get_weather:0", Name = "get_weather", Content = [ChatContentPart.FromText("rain")] },
        new() { Role = "tool", ToolCallId = "functions.get_weather:1", Content = [ChatContentPart.FromText("sun")] },
    ];

    [Fact]
    public void Thinking_WritesStringArgumentsVerbatimObjectArgumentsAsSpacedJsonAndResultsAfterANewline()
    {
        string text = KimiChatTemplate.Render(_conversation, new ChatRenderOptions { Style = ChatTemplateStyle.KimiK2Thinking });

        Assert.Equal(
            "<|im_system|>system<|im_middle|>S<|im_end|><|im_user|>user<|im_middle|>Paris and Rome?<|im_end|>"
            + "<|im_assistant|>assistant<|im_middle|><think>two calls</think>Checking.<|tool_calls_section_begin|>"
            + """<|tool_call_begin|>functions.get_weather:0<|tool_call_argument_begin|>{"city":"Paris"}<|tool_call_end|>"""
            + """<|tool_call_begin|>functions.get_weather:1<|tool_call_argument_begin|>{"city": "Rome", "days": 2, "ratio": 0.5}<|tool_call_end|>"""
            + "<|tool_calls_section_end|><|im_end|>"
            + "<|im_system|>get_weather<|im_middle|>## Return of functions.get_weather:0\nrain<|im_end|>"
            + "<|im_system|>tool<|im_middle|>## Return of functions.get_weather:1\nsun<|im_end|>"
            + "<|im_assistant|>assistant<|im_middle|>", text);
    }

    [Fact]
    public void Instruct_IndentsToolResults_AndDropsReasoning()
    {
        string text = KimiChatTemplate.Render(_conversation, new ChatRenderOptions { Style = ChatTemplateStyle.KimiK2Instruct });

        Assert.Equal(
            "<|im_system|>system<|im_middle|>S<|im_end|><|im_user|>user<|im_middle|>Paris and Rome?<|im_end|>"
            + "<|im_assistant|>assistant<|im_middle|>Checking.<|tool_calls_section_begin|>"
            + """<|tool_call_begin|>functions.get_weather:0<|tool_call_argument_begin|>{"city":"Paris"}<|tool_call_end|>"""
            + """<|tool_call_begin|>functions.get_weather:1<|tool_call_argument_begin|>{"city": "Rome", "days": 2, "ratio": 0.5}<|tool_call_end|>"""
            + "<|tool_calls_section_end|><|im_end|>"
            + "<|im_system|>get_weather<|im_middle|>## Return of functions.get_weather:0\n    rain<|im_end|>"
            + "<|im_system|>tool<|im_middle|>## Return of functions.get_weather:1\n    sun<|im_end|>"
            + "<|im_assistant|>assistant<|im_middle|>", text);
    }

    [Fact]
    public void Instruct_PrintsNone_ForAToolResultWithoutContent()
    {
        ChatMessage[] messages = [ChatMessage.Text("system", "S"), new() { Role = "tool", ToolCallId = "c" }];

        Assert.Equal(
            "<|im_system|>system<|im_middle|>S<|im_end|><|im_system|>tool<|im_middle|>## Return of c\n    None<|im_end|><|im_assistant|>assistant<|im_middle|>",
            KimiChatTemplate.Render(messages, new ChatRenderOptions { Style = ChatTemplateStyle.KimiK2Instruct }));
    }
}
