using Kimi.Cluster.Router.Generation;
using Kimi.Cluster.Router.Text;
using Kimi.Cluster.Text.Parsing;

namespace Kimi.Cluster.Router.Chat;

/// <summary>
/// One choice of a streamed chat completion: parses each decoded step into reasoning, content and
/// tool-call deltas, and says assistant in its first chunk.
/// </summary>
public sealed class StreamingChatChoice(int index, ChatPlan plan, ModelText text)
{
    private readonly StreamingOutputParser _parser = new(plan.Parsing);
    private bool _calledTools;

    /// <summary>The first chunk of every choice: the role, before any text.</summary>
    public ChatChunkChoice Opening() => new(index, new ChatDelta("assistant", "", null, null), null, null);

    /// <summary>The chunks this step adds: its deltas, then the finish reason when it ends the choice.</summary>
    public IEnumerable<ChatChunkChoice> Next(DecodedStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        var delta = _parser.Push(step.Text);
        if (step.FinishReason is not null)
            delta = Merge(delta, _parser.Finish());
        var logprobs = plan.TopLogprobs is not null && step.Tokens.Count > 0 ? ChatLogprobs.Build(step.Tokens, text) : null;
        if (!delta.IsEmpty || logprobs is not null)
            yield return new ChatChunkChoice(index, ToChatDelta(delta), logprobs, null);
        if (step.FinishReason is not null)
            yield return new ChatChunkChoice(index, ChatDelta.None, null, ChatAnswer.FinishReason(step.FinishReason, _calledTools));
    }

    private ChatDelta ToChatDelta(OutputDelta delta)
    {
        _calledTools |= delta.ToolCalls.Count > 0;
        var toolCalls = delta.ToolCalls.Count == 0
            ? null
            : delta.ToolCalls
                .Select(call => new ToolCallChunk(call.Index, call.Id, call.Id is null ? null : "function",
                    new FunctionChunk(call.Name, call.ArgumentsFragment ?? (call.Id is null ? null : ""))))
                .ToArray();
        return new ChatDelta(null, NullIfEmpty(delta.Content), NullIfEmpty(delta.Reasoning), toolCalls);
    }

    private static OutputDelta Merge(OutputDelta first, OutputDelta second) => new(
        Concat(first.Reasoning, second.Reasoning),
        Concat(first.Content, second.Content),
        [.. first.ToolCalls, .. second.ToolCalls]);

    private static string? Concat(string? a, string? b) => a is null && b is null ? null : a + b;

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;
}
