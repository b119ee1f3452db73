using Kimi.Cluster.Text.Chat;

namespace Kimi.Cluster.Text.Tests.Chat;

public sealed class PartialModeTests
{
    private static readonly ChatMessage[] _conversation =
    [
        ChatMessage.Text("user", "Count"),
        ChatMessage.Text("assistant", "1, 2, ") with { ReasoningContent = "easy", Partial = true },
    ];

    [Theory]
    [InlineData(ChatTemplateStyle.KimiK2Thinking, true, "<think></think>")]
    [InlineData(ChatTemplateStyle.KimiK25, false, "<think></think>")]
    [InlineData(ChatTemplateStyle.KimiK2Instruct, true, "")]
    public void Render_CutsAfterTheStrippedContent_WithoutGenerationPromptOrReasoning(ChatTemplateStyle style, bool systemPrompt, string think)
    {
        string text = KimiChatTemplate.Render(_conversation, new ChatRenderOptions { Style = style, AddGenerationPrompt = true });

        Assert.Equal(
            (systemPrompt ? "<|im_system|>system<|im_middle|>You are Kimi, an AI assistant created by Moonshot AI.<|im_end|>" : "")
            + "<|im_user|>user<|im_middle|>Count<|im_end|><|im_assistant|>assistant<|im_middle|>" + think + "1, 2,", text);
    }

    [Fact]
    public void Render_RefusesPartial_OnAnyButTheLastAssistantMessage()
    {
        var options = new ChatRenderOptions();
        Assert.Throws<ArgumentException>(() => KimiChatTemplate.Render([ChatMessage.Text("user", "x") with { Partial = true }], options));
        Assert.Throws<ArgumentException>(() => KimiChatTemplate.Render(
            [ChatMessage.Text("assistant", "x") with { Partial = true }, ChatMessage.Text("user", "y")], options));
        Assert.Throws<ArgumentException>(() => KimiChatTemplate.Render(
            [new ChatMessage { Role = "assistant", Partial = true, ToolCalls = [new("a", "f", "{}")] }], options));
    }

    [Fact]
    public void Render_CutsWhereTheContentStarts_WhenThePartialMessageHasNoText()
    {
        ChatMessage[] messages = [ChatMessage.Text("user", "Count"), new() { Role = "assistant", Partial = true }];

        Assert.Equal(
            "<|im_user|>user<|im_middle|>Count<|im_end|><|im_assistant|>assistant<|im_middle|><think></think>",
            KimiChatTemplate.Render(messages, new ChatRenderOptions { Style = ChatTemplateStyle.KimiK25 }));
    }
}
