using Kimi.Cluster.Text.Chat;

namespace Kimi.Cluster.Text.Tests.Chat;

public sealed class ThinkingSwitchTests
{
    private static readonly ChatMessage[] _conversation =
    [
        ChatMessage.Text("system", "S"),
        ChatMessage.Text("user", "Q1"),
        ChatMessage.Text("assistant", "A1") with { ReasoningContent = "old" },
        ChatMessage.Text("user", "Q2"),
        new() { Role = "assistant", ReasoningContent = "new", ToolCalls = [new("functions.f:0", "f", "{}")] },
        new() { Role = "tool", ToolCallId = "functions.f:0", Content = [ChatContentPart.FromText("r")] },
    ];

    private const string Prefix =
        "<|im_system|>system<|im_middle|>S<|im_end|><|im_user|>user<|im_middle|>Q1<|im_end|>"
        + "<|im_assistant|>assistant<|im_middle|><think></think>A1<|im_end|><|im_user|>user<|im_middle|>Q2<|im_end|>";

    private const string Calls =
        "<|tool_calls_section_begin|><|tool_call_begin|>functions.f:0<|tool_call_argument_begin|>{}<|tool_call_end|><|tool_calls_section_end|><|im_end|>"
        + "<|im_system|>tool<|im_middle|>## Return of functions.f:0\nr<|im_end|>";

    [Fact]
    public void K25_KeepsSuffixReasoningAndOpensThink_WhenThinkingIsOn()
    {
        Assert.Equal(
            Prefix + "<|im_assistant|>assistant<|im_middle|><think>new</think>" + Calls + "<|im_assistant|>assistant<|im_middle|><think>",
            KimiChatTemplate.Render(_conversation, new ChatRenderOptions { Style = ChatTemplateStyle.KimiK25, Thinking = true }));
    }

    [Fact]
    public void K25_EmptiesSuffixReasoningAndClosesThink_WhenThinkingIsOff()
    {
        Assert.Equal(
            Prefix + "<|im_assistant|>assistant<|im_middle|><think></think>" + Calls + "<|im_assistant|>assistant<|im_middle|><think></think>",
            KimiChatTemplate.Render(_conversation, new ChatRenderOptions { Style = ChatTemplateStyle.KimiK25, Thinking = false }));
    }

    [Fact]
    public void K2Thinking_IgnoresTheSwitch()
    {
        Assert.Equal(
            Prefix + "<|im_assistant|>assistant<|im_middle|><think>new</think>" + Calls + "<|im_assistant|>assistant<|im_middle|>",
            KimiChatTemplate.Render(_conversation, new ChatRenderOptions { Style = ChatTemplateStyle.KimiK2Thinking, Thinking = false }));
    }

    [Theory]
    [InlineData(ChatTemplateStyle.KimiK2Instruct, true, false)]
    [InlineData(ChatTemplateStyle.KimiK2Thinking, false, false)]
    [InlineData(ChatTemplateStyle.KimiK25, true, true)]
    [InlineData(ChatTemplateStyle.KimiK25, false, false)]
    public void StartsInReasoning_FollowsTheGenerationPrompt(ChatTemplateStyle style, bool thinking, bool expected) =>
        Assert.Equal(expected, KimiChatTemplate.StartsInReasoning(style, thinking));

    [Theory]
    [InlineData("kimi_k25", null, ChatTemplateStyle.KimiK25)]
    [InlineData("kimi_k25", "{{ messages }}", ChatTemplateStyle.KimiK25)]
    [InlineData("kimi_k2", "{{ tools_ts_str }}<think>", ChatTemplateStyle.KimiK25)]
    [InlineData("kimi_k2", "<|im_middle|><think></think>", ChatTemplateStyle.KimiK2Thinking)]
    [InlineData("deepseek_v3", "<|im_middle|>{{ tools | tojson }}", ChatTemplateStyle.KimiK2Instruct)]
    [InlineData("kimi_k2", null, ChatTemplateStyle.KimiK2Thinking)]
    [InlineData(null, "", ChatTemplateStyle.KimiK2Thinking)]
    public void DetectStyle_ReadsModelTypeThenTemplate(string? modelType, string? template, ChatTemplateStyle expected) =>
        Assert.Equal(expected, KimiChatTemplate.DetectStyle(modelType, template));
}
