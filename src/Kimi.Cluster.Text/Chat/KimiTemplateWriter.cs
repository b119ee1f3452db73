using System.Text;
using static Kimi.Cluster.Text.Chat.TemplatePieces;

namespace Kimi.Cluster.Text.Chat;

/// <summary>
/// Writes the text Moonshot's templates render, message by message, remembering where the last
/// message's content ends for partial mode. Each method mirrors one template family's control
/// flow after Jinja's whitespace control (trim_blocks and lstrip_blocks on, as in Hugging Face).
/// </summary>
internal sealed class KimiTemplateWriter(IReadOnlyList<ChatMessage> messages, ChatRenderOptions options, bool partial)
{
    private readonly StringBuilder _text = new();
    private readonly bool _addGenerationPrompt = options.AddGenerationPrompt && !partial;
    private int _cut = -1;

    public string Result() => partial ? _text.ToString(0, _cut) : _text.ToString();

    /// <summary>
    /// Kimi-K2-Instruct, every revision: tools as `tools | tojson` after the revision's heading, the
    /// default system prompt only when there are messages, and &lt;|im_end|&gt; after every message.
    /// </summary>
    /// <remarks>
    /// Where these templates print content raw (a tool result, a turn that calls tools) a content
    /// list prints as Python prints a list of dicts, and a missing tool result as None. The
    /// templates' line breaks all sit inside whitespace control, so the first release's CRLF
    /// line endings print nothing.
    /// </remarks>
    public void WriteInstruct(InstructRevision revision)
    {
        if (options.Tools.Count > 0)
        {
            _text.Append("<|im_system|>tool_declare<|im_middle|>").Append(revision.ToolsHeading)
                .Append(ToolsJson(options.Tools, PythonJson.DefaultSeparators)).Append("<|im_end|>");
        }
        for (int i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            if (i == 0 && message.Role != "system")
                _text.Append("<|im_system|>system<|im_middle|>").Append(revision.DefaultSystemPrompt).Append("<|im_end|>");
            WriteHeader(message, revision.NamesRoles);
            if (revision.RendersToolTurns)
                WriteInstructBody(message, i);
            else
                WriteFirstReleaseBody(message, i);
            _text.Append("<|im_end|>");
        }
        if (_addGenerationPrompt)
            _text.Append("<|im_assistant|>assistant<|im_middle|>");
    }

    /// <summary>
    /// Kimi-K2-Thinking and K2.5: messages up to the last assistant message without tool calls are
    /// history (&lt;think&gt;&lt;/think&gt;), later ones keep their reasoning; every message ends with
    /// &lt;|im_end|&gt;. K2.5's generation prompt opens &lt;think&gt; (or closes it at once when thinking
    /// is off); K2-Thinking's ends at &lt;|im_middle|&gt; and the model opens &lt;think&gt; itself.
    /// </summary>
    /// <remarks>
    /// K2-Thinking declares tools with `tools | tojson()` (", " and ": ") and opens with the default
    /// system prompt when the first message is not a system message. K2.5 adds no system prompt;
    /// its tokenizer sorts the tools' keys recursively and declares them in TypeScript style, or,
    /// when that encoder fails or finds no function, as compact JSON. Tool results are
    /// "## Return of {id}\n{content}" here, with no indent, unlike K2-Instruct. K2.5 renders images
    /// as &lt;|media_begin|&gt;… and videos as its video placeholder; K2-Thinking images as &lt;|media_start|&gt;….
    /// </remarks>
    public void WriteThinking()
    {
        bool k25 = options.Style == ChatTemplateStyle.KimiK25;
        bool thinkingOff = k25 && !options.Thinking;
        if (options.Tools.Count > 0)
            _text.Append("<|im_system|>tool_declare<|im_middle|>").Append(k25 ? K25ToolDeclaration(options.Tools) : ToolsJson(options.Tools, PythonJson.DefaultSeparators)).Append("<|im_end|>");
        if (!k25 && (messages.Count == 0 || messages[0].Role != "system"))
            _text.Append("<|im_system|>system<|im_middle|>").Append(KimiChatTemplate.DefaultSystemPrompt).Append("<|im_end|>");
        int lastPlainAssistant = -1;
        for (int i = messages.Count - 1; i >= 0 && lastPlainAssistant < 0; i--)
        {
            if (messages[i].Role == "assistant" && messages[i].ToolCalls is not { Count: > 0 })
                lastPlainAssistant = i;
        }
        for (int i = 0; i < messages.Count; i++)
            WriteThinkingMessage(i, history: i <= lastPlainAssistant, thinkingOff);
        if (_addGenerationPrompt)
            _text.Append("<|im_assistant|>assistant<|im_middle|>").Append(!k25 ? "" : thinkingOff ? "<think></think>" : "<think>");
    }

    /// <summary>Since August 2025: a turn that calls tools prints its content only when truthy, then the calls; a tool result its id and raw content.</summary>
    private void WriteInstructBody(ChatMessage message, int index)
    {
        if (message.Role == "assistant" && message.ToolCalls is { Count: > 0 })
        {
            // `{% if message['content'] %}{{ message['content'] }}{% endif %}`: an empty string or list prints nothing.
            if (message.Content is { Count: > 0 } && (message.ContentIsList || message.Content[0].Text is { Length: > 0 }))
                _text.Append(RawContent(message));
            WriteToolCalls(message.ToolCalls);
        }
        else if (message.Role == "tool")
        {
            _text.Append("## Return of ").Append(message.ToolCallId).Append("\n    ").Append(RawContent(message));
        }
        else
        {
            WriteContent(message, index, OlderMediaPlaceholder);
        }
    }

    /// <summary>
    /// The first release prints every message's content and nothing else. It loops over a content
    /// that is not a string, so a missing content fails in Jinja ("'NoneType' object is not
    /// iterable") and fails here too, rather than rendering a prompt that template never renders.
    /// </summary>
    private void WriteFirstReleaseBody(ChatMessage message, int index)
    {
        if (message.Content is null)
        {
            throw new ArgumentException(
                $"message {index} has no content, which Kimi-K2-Instruct's first chat template cannot render", nameof(messages));
        }
        WriteContent(message, index, FirstReleaseMediaPlaceholder);
    }

    private void WriteThinkingMessage(int index, bool history, bool thinkingOff)
    {
        var message = messages[index];
        Func<ChatContentPart, string?> media = options.Style == ChatTemplateStyle.KimiK25 ? K25MediaPlaceholder : OlderMediaPlaceholder;
        WriteHeader(message, namesRoles: true);
        if (message.Role == "assistant")
        {
            // `message.get('reasoning_content', '')`: a reasoning_content sent as null prints None.
            string reasoning = message.ReasoningContentIsNull ? "None" : message.ReasoningContent ?? "";
            _text.Append(history || thinkingOff ? "<think></think>" : $"<think>{reasoning}</think>");
            WriteContent(message, index, media);
            if (message.ToolCalls is { Count: > 0 })
                WriteToolCalls(message.ToolCalls);
        }
        else if (message.Role == "tool")
        {
            _text.Append("## Return of ").Append(message.ToolCallId).Append('\n');
            WriteContent(message, index, media);
        }
        else
        {
            WriteContent(message, index, media);
        }
        _text.Append("<|im_end|>");
    }

    /// <summary>
    /// The role's start token and `message.get('name') or message['role']` (system's start token for
    /// any other role). Older K2-Instruct templates print the role alone and only for the four roles
    /// they know: any other role's message starts with its content.
    /// </summary>
    private void WriteHeader(ChatMessage message, bool namesRoles)
    {
        string? start = message.Role switch
        {
            "user" => "<|im_user|>",
            "assistant" => "<|im_assistant|>",
            "system" or "tool" => "<|im_system|>",
            _ => namesRoles ? "<|im_system|>" : null,
        };
        if (start is null)
            return;
        string name = !namesRoles || string.IsNullOrEmpty(message.Name) ? message.Role : message.Name;
        _text.Append(start).Append(name).Append("<|im_middle|>");
    }

    /// <summary>
    /// The templates' content rendering: a string as it is; a list part by part, text as it is and
    /// each image or video as its placeholder. In partial mode the cut falls after the last text
    /// part without its trailing whitespace (Hugging Face cuts at the stripped text).
    /// </summary>
    private void WriteContent(ChatMessage message, int index, Func<ChatContentPart, string?> media)
    {
        if (partial && index == messages.Count - 1)
            _cut = _text.Length; // no text at all: cut where the content starts
        if (message.Content is null)
            return;
        foreach (var part in message.Content)
        {
            string? placeholder = media(part);
            if (placeholder is not null)
            {
                _text.Append(placeholder);
                continue;
            }
            _text.Append(part.Text);
            if (partial && index == messages.Count - 1 && part.Text is not null)
                _cut = _text.Length - TrailingWhitespace(part.Text);
        }
    }

    private void WriteToolCalls(IReadOnlyList<ChatToolCall> calls)
    {
        _text.Append("<|tool_calls_section_begin|>");
        foreach (var call in calls)
        {
            _text.Append("<|tool_call_begin|>").Append(call.Id).Append("<|tool_call_argument_begin|>");
            if (call.StructuredArguments is null)
                _text.Append(call.Arguments);
            else
                PythonJson.Write(_text, call.StructuredArguments, PythonJson.DefaultSeparators);
            _text.Append("<|tool_call_end|>");
        }
        _text.Append("<|tool_calls_section_end|>");
    }
}
