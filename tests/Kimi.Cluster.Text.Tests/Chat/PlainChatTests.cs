using Kimi.Cluster.Text.Chat;

namespace Kimi.Cluster.Text.Tests.Chat;

public sealed class PlainChatTests
{
    private static ChatRenderOptions Options(ChatTemplateStyle style, bool addGenerationPrompt = true) =>
        new() { Style = style, AddGenerationPrompt = addGenerationPrompt };

    [Fact]
    public void Render_UsesTheDefaultSystemPrompt_WhenTheFirstMessageIsNotSystem()
    {
        string text = KimiChatTemplate.Render([ChatMessage.Text("user", "Hello")], Options(ChatTemplateStyle.KimiK2Thinking));

        Assert.Equal(
            "<|im_system|>system<|im_middle|>You are Kimi, an AI assistant created by Moonshot AI.<|im_end|>"
            + "<|im_user|>user<|im_middle|>Hello<|im_end|>"
            + "<|im_assistant|>assistant<|im_middle|>", text);
    }

    [Fact]
    public void Render_AddsNoSystemPrompt_InK25()
    {
        string text = KimiChatTemplate.Render([ChatMessage.Text("user", "Hello")], Options(ChatTemplateStyle.KimiK25));

        Assert.Equal("<|im_user|>user<|im_middle|>Hello<|im_end|><|im_assistant|>assistant<|im_middle|><think>", text);
    }

    [Fact]
    public void Render_PrintsNone_WhenReasoningContentWasSentAsNull()
    {
        ChatMessage[] messages =
        [
            ChatMessage.Text("user", "weather?"),
            new() { Role = "assistant", ReasoningContentIsNull = true, ToolCalls = [new("functions.w:0", "w", "{}")] },
        ];

        Assert.Contains(
            "<|im_assistant|>assistant<|im_middle|><think>None</think><|tool_calls_section_begin|>",
            KimiChatTemplate.Render(messages, Options(ChatTemplateStyle.KimiK25)), StringComparison.Ordinal);
    }

    [Fact]
    public void Render_KeepsAGivenSystemPrompt_AndAddsNoDefault()
    {
        ChatMessage[] messages = [ChatMessage.Text("system", "Be brief."), ChatMessage.Text("user", "Hi")];

        Assert.Equal(
            "<|im_system|>system<|im_middle|>Be brief.<|im_end|><|im_user|>user<|im_middle|>Hi<|im_end|>"
            + "<|im_assistant|>assistant<|im_middle|>",
            KimiChatTemplate.Render(messages, Options(ChatTemplateStyle.KimiK2Thinking)));
        Assert.Equal(
            "<|im_system|>system<|im_middle|>Be brief.<|im_end|><|im_user|>user<|im_middle|>Hi<|im_end|>"
            + "<|im_assistant|>assistant<|im_middle|>",
            KimiChatTemplate.Render(messages, Options(ChatTemplateStyle.KimiK2Instruct)));
    }

    [Fact]
    public void Render_ShowsTheNameInsteadOfTheRole_WhenAMessageHasOne()
    {
        ChatMessage[] messages =
        [
            ChatMessage.Text("system", "Rules") with { Name = "referee" },
            ChatMessage.Text("user", "Hi") with { Name = "alice" },
            ChatMessage.Text("assistant", "Hey") with { Name = "kimi" },
            ChatMessage.Text("user", "Bye") with { Name = "" },
        ];

        Assert.Equal(
            "<|im_system|>referee<|im_middle|>Rules<|im_end|><|im_user|>alice<|im_middle|>Hi<|im_end|>"
            + "<|im_assistant|>kimi<|im_middle|><think></think>Hey<|im_end|><|im_user|>user<|im_middle|>Bye<|im_end|>"
            + "<|im_assistant|>assistant<|im_middle|>",
            KimiChatTemplate.Render(messages, Options(ChatTemplateStyle.KimiK2Thinking)));
    }

    [Fact]
    public void Render_DropsReasoningInHistory_AndKeepsItAfterTheLastPlainAssistantMessage()
    {
        ChatMessage[] messages =
        [
            ChatMessage.Text("user", "2+2?"),
            ChatMessage.Text("assistant", "4") with { ReasoningContent = "add" },
            ChatMessage.Text("user", "weather?"),
            new() { Role = "assistant", ReasoningContent = "need a tool", ToolCalls = [new("functions.w:0", "w", "{}")] },
            new() { Role = "tool", ToolCallId = "functions.w:0", Content = [ChatContentPart.FromText("sun")] },
            ChatMessage.Text("assistant", "Sunny") with { ReasoningContent = "read it" },
        ];

        string text = KimiChatTemplate.Render(messages, Options(ChatTemplateStyle.KimiK2Thinking, addGenerationPrompt: false));

        Assert.Equal(
            "<|im_system|>system<|im_middle|>You are Kimi, an AI assistant created by Moonshot AI.<|im_end|>"
            + "<|im_user|>user<|im_middle|>2+2?<|im_end|>"
            + "<|im_assistant|>assistant<|im_middle|><think></think>4<|im_end|>"
            + "<|im_user|>user<|im_middle|>weather?<|im_end|>"
            + "<|im_assistant|>assistant<|im_middle|><think></think><|tool_calls_section_begin|><|tool_call_begin|>functions.w:0<|tool_call_argument_begin|>{}<|tool_call_end|><|tool_calls_section_end|><|im_end|>"
            + "<|im_system|>tool<|im_middle|>## Return of functions.w:0\nsun<|im_end|>"
            + "<|im_assistant|>assistant<|im_middle|><think></think>Sunny<|im_end|>", text);
    }

    [Fact]
    public void Render_KeepsReasoningOfToolCallsAfterTheLastAnswer()
    {
        ChatMessage[] messages =
        [
            ChatMessage.Text("user", "weather?"),
            new() { Role = "assistant", ReasoningContent = "need a tool", ToolCalls = [new("functions.w:0", "w", "{}")] },
            new() { Role = "tool", ToolCallId = "functions.w:0", Content = [ChatContentPart.FromText("sun")] },
        ];

        Assert.Equal(
            "<|im_user|>user<|im_middle|>weather?<|im_end|>"
            + "<|im_assistant|>assistant<|im_middle|><think>need a tool</think><|tool_calls_section_begin|><|tool_call_begin|>functions.w:0<|tool_call_argument_begin|>{}<|tool_call_end|><|tool_calls_section_end|><|im_end|>"
            + "<|im_system|>tool<|im_middle|>## Return of functions.w:0\nsun<|im_end|>"
            + "<|im_assistant|>assistant<|im_middle|><think>",
            KimiChatTemplate.Render(messages, Options(ChatTemplateStyle.KimiK25)));
    }

    [Fact]
    public void Render_IgnoresReasoningAndEndsEveryMessage_WhenInstructHasNoGenerationPrompt()
    {
        ChatMessage[] messages = [ChatMessage.Text("user", "Hi"), ChatMessage.Text("assistant", "Hello") with { ReasoningContent = "greet" }];

        Assert.Equal(
            "<|im_system|>system<|im_middle|>You are Kimi, an AI assistant created by Moonshot AI.<|im_end|>"
            + "<|im_user|>user<|im_middle|>Hi<|im_end|><|im_assistant|>assistant<|im_middle|>Hello<|im_end|>",
            KimiChatTemplate.Render(messages, Options(ChatTemplateStyle.KimiK2Instruct, addGenerationPrompt: false)));
    }

    [Fact]
    public void Render_ConcatenatesTextParts_AndRendersNothingForNullContent()
    {
        ChatMessage[] messages =
        [
            new() { Role = "user", Content = [ChatContentPart.FromText("one "), ChatContentPart.FromText("two")] },
            new() { Role = "user", Content = null },
        ];

        Assert.Equal(
            "<|im_system|>system<|im_middle|>You are Kimi, an AI assistant created by Moonshot AI.<|im_end|>"
            + "<|im_user|>user<|im_middle|>one two<|im_end|><|im_user|>user<|im_middle|><|im_end|>"
            + "<|im_assistant|>assistant<|im_middle|>",
            KimiChatTemplate.Render(messages, Options(ChatTemplateStyle.KimiK2Thinking)));
    }

    [Fact]
    public void Render_WritesMediaPlaceholders_AsEachTemplateDoes()
    {
        ChatMessage[] messages =
        [
            new()
            {
                Role = "user",
                ContentIsList = true,
                Content = [ChatContentPart.FromText("see"), new ChatContentPart("image_url", null), new ChatContentPart("video_url", null), ChatContentPart.FromText("?")],
            },
        ];

        Assert.Equal(
            "<|im_user|>user<|im_middle|>see<|media_begin|>image<|media_content|><|media_pad|><|media_end|>\n"
            + "<|kimi_k25_video_placeholder|>\n?<|im_end|><|im_assistant|>assistant<|im_middle|><think>",
            KimiChatTemplate.Render(messages, Options(ChatTemplateStyle.KimiK25)));
        Assert.Contains(
            "<|im_user|>user<|im_middle|>see<|media_start|>image<|media_content|><|media_pad|><|media_end|>\n?<|im_end|>",
            KimiChatTemplate.Render(messages, Options(ChatTemplateStyle.KimiK2Thinking)), StringComparison.Ordinal);
    }

    [Fact]
    public void Render_PrintsAToolResultsContentListAsPython_InInstruct()
    {
        ChatMessage[] messages =
        [
            new() { Role = "tool", ToolCallId = "functions.w:0", ContentIsList = true, Content = [ChatContentPart.FromText("it's")] },
            new() { Role = "tool", ToolCallId = "functions.w:1" },
        ];

        Assert.Contains(
            "## Return of functions.w:0\n    [{'type': 'text', 'text': \"it's\"}]<|im_end|><|im_system|>tool<|im_middle|>## Return of functions.w:1\n    None<|im_end|>",
            KimiChatTemplate.Render(messages, Options(ChatTemplateStyle.KimiK2Instruct)), StringComparison.Ordinal);
    }

    [Fact]
    public void Render_EmptyConversation_DiffersBetweenInstructAndThinking()
    {
        Assert.Equal("<|im_assistant|>assistant<|im_middle|>", KimiChatTemplate.Render([], Options(ChatTemplateStyle.KimiK2Instruct)));
        Assert.Equal(
            "<|im_system|>system<|im_middle|>You are Kimi, an AI assistant created by Moonshot AI.<|im_end|><|im_assistant|>assistant<|im_middle|>",
            KimiChatTemplate.Render([], Options(ChatTemplateStyle.KimiK2Thinking)));
    }
}
