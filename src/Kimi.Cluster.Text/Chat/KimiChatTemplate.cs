namespace Kimi.Cluster.Text.Chat;

/// <summary>
/// Renders a conversation exactly as the chat_template.jinja Moonshot ships with the model
/// renders it (for the chosen <see cref="ChatTemplateStyle"/>), ready to encode with special tokens.
/// </summary>
/// <remarks>
/// Content is the concatenated text of its parts (what the templates make of a text-only list or
/// of the same text given as a string). Partial mode renders like Hugging Face's
/// continue_final_message: no generation prompt, cut right after the last message's content with
/// its trailing whitespace (HF cuts at the stripped content). In K2-Thinking and K2.5 that last
/// assistant message is the last one without tool calls, so the template files it under history:
/// it renders as &lt;think&gt;&lt;/think&gt; + content and its reasoning is dropped.
/// </remarks>
public static class KimiChatTemplate
{
    public const string DefaultSystemPrompt = "You are Kimi, an AI assistant created by Moonshot AI.";

    public static string Render(IReadOnlyList<ChatMessage> messages, ChatRenderOptions options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(options);
        bool partial = CheckPartial(messages);
        var writer = new KimiTemplateWriter(messages, options, partial);
        if (InstructRevision.Of(options.Style) is { } revision)
            writer.WriteInstruct(revision);
        else
            writer.WriteThinking();
        return writer.Result();
    }

    /// <summary>
    /// The style of a model directory: K2.5 for model_type kimi_k25 or a template using
    /// tools_ts_str; K2-Thinking for a template with &lt;think&gt; (or none at all); otherwise
    /// K2-Instruct, in the revision the template's text tells (0905 when it tells none).
    /// </summary>
    public static ChatTemplateStyle DetectStyle(string? modelType, string? chatTemplate)
    {
        if (modelType == "kimi_k25")
            return ChatTemplateStyle.KimiK25;
        if (string.IsNullOrEmpty(chatTemplate))
            return ChatTemplateStyle.KimiK2Thinking;
        if (chatTemplate.Contains("tools_ts_str", StringComparison.Ordinal))
            return ChatTemplateStyle.KimiK25;
        return chatTemplate.Contains("<think>", StringComparison.Ordinal)
            ? ChatTemplateStyle.KimiK2Thinking
            : InstructStyle(chatTemplate);
    }

    /// <summary>True when the generation prompt leaves the model inside a &lt;think&gt; block.</summary>
    public static bool StartsInReasoning(ChatTemplateStyle style, bool thinking) => style switch
    {
        // K2-Thinking's prompt stops at <|im_middle|>: the model writes <think> itself, and the parsers see it.
        ChatTemplateStyle.KimiK25 => thinking,
        _ => false,
    };

    /// <summary>
    /// Which K2-Instruct revision a template is, by what it prints rather than by its file's name:
    /// the revisions before 0905 write the tool role's header as fixed text, and of those only the
    /// first release has no tool-call section. Anything else renders as 0905, as before.
    /// </summary>
    private static ChatTemplateStyle InstructStyle(string chatTemplate)
    {
        if (!chatTemplate.Contains("<|im_system|>tool<|im_middle|>", StringComparison.Ordinal))
            return ChatTemplateStyle.KimiK2Instruct;
        return chatTemplate.Contains("<|tool_calls_section_begin|>", StringComparison.Ordinal)
            ? ChatTemplateStyle.KimiK2InstructAugust2025
            : ChatTemplateStyle.KimiK2InstructFirstRelease;
    }

    /// <summary>Partial may only mark the last message, and only an assistant's without tool calls.</summary>
    private static bool CheckPartial(IReadOnlyList<ChatMessage> messages)
    {
        for (int i = 0; i < messages.Count - 1; i++)
        {
            if (messages[i].Partial)
                throw new ArgumentException($"message {i} is partial; only the last message may be", nameof(messages));
        }
        if (messages.Count == 0 || !messages[^1].Partial)
            return false;
        var last = messages[^1];
        if (last.Role != "assistant")
            throw new ArgumentException($"a partial message must be an assistant's, not {last.Role}'s", nameof(messages));
        if (last.ToolCalls is { Count: > 0 })
            throw new ArgumentException("a partial assistant message cannot carry tool calls", nameof(messages));
        return true;
    }
}
