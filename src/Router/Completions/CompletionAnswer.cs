using Kimi.Cluster.Router.Generation;
using Kimi.Cluster.Router.Hosting;
using Kimi.Cluster.Router.Worker;

namespace Kimi.Cluster.Router.Completions;

/// <summary>POST /v1/completions at the ends of the <see cref="AnswerPipeline"/>: OpenAI's text_completion objects.</summary>
public sealed class CompletionAnswer : IAnswerShape<CompletionRequest, CompletionPlan>
{
    public static CompletionAnswer Instance { get; } = new();

    public Task<CompletionPlan> PlanAsync(CompletionRequest request, ServedModel model, RouterLimits limits, CancellationToken cancellation) =>
        Task.FromResult(CompletionPlanner.Plan(request, model, limits));

    public string NewId() => CompletionIds.New();

    public ChoiceDecoder Decoder(CompletionPlan plan, ServedModel model) =>
        new(model.Text.StartDecoding(keepStructuralTokens: false, plan.RenderTokenIds), plan.Stop);

    public IAnswerChunks Chunks(CompletionPlan plan, ServedModel model, string id) => new StreamingCompletion(id, plan, model);

    public object Answer(CompletionPlan plan, ServedModel model, string id, IReadOnlyList<ChoiceResult> results)
    {
        var choices = results.Select((result, index) => new CompletionChoice(
                index,
                result.Text,
                plan.Logprobs is null ? null : new LogprobsBuilder(model.Text, plan.RenderTokenIds).Next(result.Tokens),
                result.FinishReason))
            .ToArray();
        return new CompletionResponse(id, CompletionIds.UnixNow(), model.ModelId, choices, CompletionUsage.Of(results));
    }
}
