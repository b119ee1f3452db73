using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Router.Worker;

namespace Kimi.Cluster.Router.Completions;

/// <summary>Runs a non-streamed completion: the n choices as concurrent worker calls, gathered into one answer.</summary>
public static class CompletionRunner
{
    public static async Task<CompletionResponse> RunAsync(
        CompletionPlan plan, ModelInfo model, WorkerClient worker, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(model);
        string id = CompletionIds.New();
        using var siblings = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var runs = Enumerable.Range(0, plan.Choices)
            .Select(index => RunChoiceAsync(WorkerRequestFactory.Create(plan, index, id), worker, siblings))
            .ToArray();
        var accumulators = await ChoiceTasks.WhenAll(runs);

        bool withLogprobs = plan.Logprobs is not null;
        var choices = accumulators.Select((choice, index) => choice.ToChoice(index, withLogprobs)).ToArray();
        var usage = new CompletionUsage(accumulators[0].PromptTokens, accumulators.Sum(choice => choice.CompletionTokens));
        return new CompletionResponse(id, CompletionIds.UnixNow(), model.ModelId, choices, usage);
    }

    private static async Task<ChoiceAccumulator> RunChoiceAsync(
        GenerateRequest request, WorkerClient worker, CancellationTokenSource siblings)
    {
        var choice = new ChoiceAccumulator();
        try
        {
            await foreach (var response in worker.GenerateAsync(request, siblings.Token))
                choice.Add(response);
        }
        catch
        {
            // No point finishing the other choices of a completion that has failed.
            await siblings.CancelAsync();
            throw;
        }
        return choice;
    }
}
