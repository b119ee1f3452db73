using Kimi.Cluster.Router.Generation;
using Kimi.Cluster.Router.Worker;

namespace Kimi.Cluster.Router.Completions;

/// <summary>A completion with stream: true, as OpenAI's server-sent completion chunks.</summary>
public sealed class StreamingCompletion(string id, CompletionPlan plan, ServedModel model) : IAnswerChunks
{
    private readonly long _created = CompletionIds.UnixNow();
    private readonly StreamingChoice[] _choices = [.. Enumerable.Range(0, plan.Choices).Select(index => new StreamingChoice(index, plan, model.Text))];

    public IEnumerable<object> Opening() => [];

    public IEnumerable<object> Next(int choiceIndex, DecodedStep step) =>
        _choices[choiceIndex].Next(step) is { } choice ? [new CompletionResponse(id, _created, model.ModelId, [choice], null)] : [];

    public object Usage(CompletionUsage usage) => new CompletionResponse(id, _created, model.ModelId, [], usage);
}
