using Kimi.Cluster.Router.Completions;
using Kimi.Cluster.Router.Generation;
using Kimi.Cluster.Router.Hosting;
using Kimi.Cluster.Router.Images;
using Kimi.Cluster.Router.Worker;
using Kimi.Cluster.Text.Parsing;

namespace Kimi.Cluster.Router.Chat;

/// <summary>
/// POST /v1/chat/completions at the ends of the <see cref="AnswerPipeline"/>: the conversation
/// rendered into the prompt, and each choice's text split into reasoning, content and tool calls.
/// </summary>
public sealed class ChatAnswer(ImagePreparer images) : IAnswerShape<ChatCompletionRequest, ChatPlan>
{
    public Task<ChatPlan> PlanAsync(ChatCompletionRequest request, ServedModel model, RouterLimits limits, CancellationToken cancellation) =>
        ChatPlanner.PlanAsync(request, model, limits, images, cancellation);

    public string NewId() => ChatIds.New();

    /// <summary>Chat keeps the think and tool-call markers in the text: the output parsers read them.</summary>
    public ChoiceDecoder Decoder(ChatPlan plan, ServedModel model) =>
        new(model.Text.StartDecoding(keepStructuralTokens: true, renderTokenIds: false), plan.Stop);

    public IAnswerChunks Chunks(ChatPlan plan, ServedModel model, string id) => new StreamingChat(id, plan, model);

    public object Answer(ChatPlan plan, ServedModel model, string id, IReadOnlyList<ChoiceResult> results)
    {
        var choices = results.Select((result, index) => ToChoice(index, result, plan, model)).ToArray();
        return new ChatCompletionResponse(id, CompletionIds.UnixNow(), model.ModelId, choices, CompletionUsage.Of(results));
    }

    /// <summary>finish_reason "tool_calls" when the model ended its turn after calling tools.</summary>
    public static string? FinishReason(string? finishReason, bool calledTools) =>
        finishReason == "stop" && calledTools ? "tool_calls" : finishReason;

    private static ChatChoice ToChoice(int index, ChoiceResult result, ChatPlan plan, ServedModel model)
    {
        var output = KimiOutputParser.Parse(result.Text, plan.Parsing);
        bool calledTools = output.ToolCalls.Count > 0;
        var toolCalls = calledTools
            ? output.ToolCalls.Select(call => new ToolCallBody(call.Id, new FunctionBody(call.Name, call.Arguments))).ToArray()
            : null;
        // OpenAI answers content null, not "", when the turn only calls tools.
        string? content = calledTools && output.Content.Length == 0 ? null : output.Content;
        var message = new ChatResponseMessage(content, output.ReasoningContent, toolCalls);
        var logprobs = plan.TopLogprobs is null ? null : ChatLogprobs.Build(result.Tokens, model.Text);
        return new ChatChoice(index, message, logprobs, FinishReason(result.FinishReason, calledTools));
    }
}
