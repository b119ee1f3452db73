using Kimi.Cluster.Router.Completions;
using Kimi.Cluster.Router.Generation;
using Kimi.Cluster.Router.Worker;

namespace Kimi.Cluster.Router.Chat;

/// <summary>A chat completion with stream: true, as OpenAI's server-sent chat.completion.chunk events.</summary>
public sealed class StreamingChat(string id, ChatPlan plan, ServedModel model) : IAnswerChunks
{
    private readonly long _created = CompletionIds.UnixNow();
    private readonly StreamingChatChoice[] _choices = [.. Enumerable.Range(0, plan.Choices).Select(index => new StreamingChatChoice(index, plan, model.Text))];

    /// <summary>Every choice says its role first, before any text.</summary>
    public IEnumerable<object> Opening() => _choices.Select(choice => Chunk(choice.Opening()));

    public IEnumerable<object> Next(int choiceIndex, DecodedStep step) => _choices[choiceIndex].Next(step).Select(Chunk);

    public object Usage(CompletionUsage usage) => new ChatCompletionChunk(id, _created, model.ModelId, [], usage);

    private ChatCompletionChunk Chunk(ChatChunkChoice choice) => new(id, _created, model.ModelId, [choice], null);
}
