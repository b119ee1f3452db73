using Grpc.Core;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Router.Api;
using Kimi.Cluster.Router.Completions;
using Kimi.Cluster.Router.Images;
using Kimi.Cluster.Router.Worker;

namespace Kimi.Cluster.Router.Grpc;

/// <summary>
/// Checks what the router owns in a GenerateTextRequest (input, n, model, request id) and fills in
/// the defaults; value ranges the engine defines (temperature, top_p, logprobs, context length,
/// token ids) stay the worker's to refuse, as on the HTTP API.
/// </summary>
public static class GenerationPlanner
{
    public const uint DefaultMaxTokens = 16;

    /// <summary>Plans a request, its images fetched and prepared by <paramref name="images"/>.</summary>
    public static async Task<GenerationPlan> PlanAsync(GenerateTextRequest request, ServedModel model, ImagePreparer images, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(images);
        var plan = Plan(request, model, allowImages: true);
        if (request.Images.Count == 0)
            return plan;
        if (!model.Info.AcceptsImages)
            throw GrpcErrors.Invalid("images", "this model has no vision encoder, so it takes no images");
        var tokenizer = model.Text.Tokenizer ?? throw GrpcErrors.NoTokenizer("its image placeholders cannot be found");
        var references = request.Images.Select((image, i) => image.SourceCase switch
        {
            ImageSource.SourceOneofCase.Data => new ImageReference($"images[{i}]", null, image.Data.ToByteArray()),
            ImageSource.SourceOneofCase.Url => new ImageReference($"images[{i}]", image.Url),
            _ => throw GrpcErrors.Invalid("images", $"images[{i}]: set either data or url"),
        }).ToList();
        try
        {
            var prepared = await images.PrepareAsync(references, cancellation);
            var (tokens, placed) = PromptImages.Expand([.. plan.Worker.PromptTokenIds], prepared, tokenizer);
            plan.Worker.PromptTokenIds.Clear();
            plan.Worker.PromptTokenIds.AddRange(tokens);
            plan.Worker.Images.AddRange(placed);
            return plan;
        }
        catch (ApiException error) when (error.StatusCode == StatusCodes.Status400BadRequest)
        {
            throw GrpcErrors.Invalid("images", error.Message);
        }
    }

    /// <summary>Plans a request without images (any is InvalidArgument: they need <see cref="PlanAsync"/>).</summary>
    public static GenerationPlan Plan(GenerateTextRequest request, ServedModel model) => Plan(request, model, allowImages: false);

    private static GenerationPlan Plan(GenerateTextRequest request, ServedModel model, bool allowImages)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(model);
        if (request.Model.Length > 0 && request.Model != model.ModelId)
        {
            throw new RpcException(new Status(StatusCode.NotFound,
                $"the model '{request.Model}' does not exist; this server serves '{model.ModelId}'"));
        }
        if (request.N > 1)
            throw GrpcErrors.Invalid("n", $"only one completion per request is served (got {request.N})");
        if (!allowImages && request.Images.Count > 0)
            throw GrpcErrors.Invalid("images", "images need the asynchronous planner");
        var worker = new GenerateRequest
        {
            RequestId = request.RequestId.Length > 0 ? request.RequestId : CompletionIds.New(),
            Sampling = Sampling(request.Sampling),
            MaxTokens = request.MaxTokens == 0 ? DefaultMaxTokens : request.MaxTokens,
            Logprobs = request.HasLogprobs ? request.Logprobs : 0,
            IgnoreEos = request.IgnoreEos,
        };
        worker.PromptTokenIds.AddRange(PromptTokenIds(request, model));
        worker.StopTokenIds.AddRange(request.StopTokenIds);
        if (request.Stop.Any(stop => stop.Length == 0))
            throw GrpcErrors.Invalid("stop", "a stop string is empty");
        // Stop strings are the router's: matched on the decoded text (ChoiceDecoder).
        return new GenerationPlan(worker, [.. request.Stop], request.ReturnText, request.HasLogprobs);
    }

    private static SamplingOptions Sampling(GenerateSampling? sampling)
    {
        var options = new SamplingOptions
        {
            Temperature = sampling is { HasTemperature: true } ? sampling.Temperature : 1f,
            TopP = sampling is { HasTopP: true } ? sampling.TopP : 1f,
            TopK = sampling is { HasTopK: true } ? sampling.TopK : -1,
        };
        if (sampling is { HasSeed: true })
            options.Seed = sampling.Seed;
        return options;
    }

    private static IReadOnlyList<int> PromptTokenIds(GenerateTextRequest request, ServedModel model)
    {
        switch (request.InputCase)
        {
            case GenerateTextRequest.InputOneofCase.TokenIds:
                return request.TokenIds.Ids.Count > 0 ? request.TokenIds.Ids
                    : throw GrpcErrors.Invalid("token_ids", "the prompt is empty; send at least one token id");
            case GenerateTextRequest.InputOneofCase.Text:
                if (model.Text.Tokenizer is null)
                    throw GrpcErrors.NoTokenizer("the input cannot be text");
                var ids = model.Text.Tokenizer.Encode(request.Text, allowSpecialTokens: true);
                return ids.Count > 0 ? ids : throw GrpcErrors.Invalid("text", "the prompt is empty; send at least one token");
            default:
                throw GrpcErrors.Invalid("input", "set either text or token_ids");
        }
    }
}
