using Kimi.Cluster.Router.Api;
using Kimi.Cluster.Router.Hosting;
using Kimi.Cluster.Router.Routing;
using Kimi.Cluster.Router.Worker;

namespace Kimi.Cluster.Router.Generation;

/// <summary>
/// The one pipeline of /v1/completions and /v1/chat/completions: read and plan the request (its
/// <see cref="IAnswerShape{TRequest, TPlan}"/>), one worker call per choice, then answer at once or
/// as a stream.
/// </summary>
public static class AnswerPipeline
{
    public static async Task HandleAsync<TRequest, TPlan>(
        HttpContext context, IAnswerShape<TRequest, TPlan> shape, ModelInfoCache models, RouterLimits limits, AttentionWorkerPool worker)
        where TPlan : IGenerationPlan
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(models);
        // A client that disconnects aborts the request, which cancels its worker calls.
        var cancellation = context.RequestAborted;
        var request = await RequestBodyReader.ReadAsync<TRequest>(context.Request, cancellation);
        var model = await models.GetAsync(cancellation);
        var plan = await shape.PlanAsync(request, model, limits, cancellation);
        string id = shape.NewId();
        var requests = Enumerable.Range(0, plan.Choices).Select(index => WorkerRequestFactory.Create(plan, index, id)).ToArray();
        var decoders = Enumerable.Range(0, plan.Choices).Select(_ => shape.Decoder(plan, model)).ToArray();
        if (plan.Stream)
        {
            await ServerSentAnswer.WriteAsync(context.Response, requests, decoders, worker, shape.Chunks(plan, model, id), plan.IncludeUsage, cancellation);
            return;
        }
        var results = await ChoiceRunner.RunAsync(requests, decoders, worker, cancellation);
        await ApiJson.WriteAsync(context.Response, shape.Answer(plan, model, id, results), StatusCodes.Status200OK, cancellation);
    }
}
