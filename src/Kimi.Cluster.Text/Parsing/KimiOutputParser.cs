using System.Text;

namespace Kimi.Cluster.Text.Parsing;

/// <summary>
/// Splits Kimi's generated text into reasoning_content (before &lt;/think&gt;, or before a
/// tool-call section), content, and tool calls (&lt;|tool_calls_section_begin|&gt; …).
/// </summary>
/// <remarks>
/// <para>Reasoning: with <see cref="OutputParserOptions.StartsInReasoning"/> the text is reasoning
/// from its start, and a "&lt;think&gt;" there (after whitespace) is dropped rather than leaked
/// into it; otherwise only a "&lt;think&gt;" at the start (after whitespace, which is dropped)
/// opens it. Reasoning ends at "&lt;/think&gt;" or at a section begin, whichever comes
/// first; output cut off inside reasoning is all reasoning. Nothing is trimmed: whitespace after
/// "&lt;/think&gt;" and around a section is content. ReasoningContent is null only when no
/// reasoning block was opened, "" when one was opened empty (the stream then sends no reasoning
/// delta at all). A "&lt;think&gt;" elsewhere, or a "&lt;/think&gt;" outside
/// reasoning, is ordinary text.</para>
/// <para>Tool-call markers are never passed through to reasoning or content. Without
/// <see cref="OutputParserOptions.ParseToolCalls"/> they are dropped and the text between them
/// kept, as a detokenizer skipping special tokens shows it. With it, each
/// "&lt;|tool_call_begin|&gt; ID &lt;|tool_call_argument_begin|&gt; ARGS &lt;|tool_call_end|&gt;"
/// inside a section is a call: Id is ID trimmed, Name the part of it between an optional
/// "functions." prefix and the last ':', Arguments ARGS trimmed, exactly as generated (not
/// validated as JSON). Text after the section end is content again.</para>
/// <para>Malformed or cut-off output: a call whose id is complete (its argument marker was seen)
/// is kept even if cut off (by max_tokens, a section end, or a new call begin), with the argument
/// text generated so far, because the streaming form has already announced it; the caller sees
/// finish_reason "length" and possibly invalid JSON. A call cut off before its argument marker, a
/// call with no argument marker at all, and a call whose name is empty are dropped, their text
/// with them. Stray text between calls in a section, and markers out of place (a call marker
/// outside a section, a second argument marker), are dropped. A marker prefix at the very end of
/// the output (such as "&lt;|tool_ca") was ordinary text and is kept as such.</para>
/// </remarks>
public static class KimiOutputParser
{
    public static AssistantOutput Parse(string text, OutputParserOptions options)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(options);
        var parser = new StreamingOutputParser(options);
        var (reasoning, content) = (new StringBuilder(), new StringBuilder());
        var calls = new List<ParsedToolCall>();
        foreach (var delta in (ReadOnlySpan<OutputDelta>)[parser.Push(text), parser.Finish()])
        {
            reasoning.Append(delta.Reasoning);
            content.Append(delta.Content);
            foreach (var call in delta.ToolCalls)
            {
                if (call.Index == calls.Count)
                    calls.Add(new ParsedToolCall(call.Id ?? "", call.Name ?? "", ""));
                calls[call.Index] = calls[call.Index] with { Arguments = calls[call.Index].Arguments + call.ArgumentsFragment };
            }
        }
        return new AssistantOutput(parser.ReasoningOpened ? reasoning.ToString() : null, content.ToString(), calls);
    }
}
