using Grpc.Core;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Router.Api;
using Kimi.Cluster.Router.Images;
using Kimi.Cluster.Router.Routing;
using Kimi.Cluster.Router.Worker;

namespace Kimi.Cluster.Router.Grpc;

/// <summary>
/// The KimiGenerate gRPC service: maps proto → plan → worker call → proto; the decoding, stop
/// strings and worker errors are the same as the HTTP API's.
/// </summary>
public sealed class KimiGenerateService(AttentionWorkerPool worker, ModelInfoCache models, InFlightRequests requests, ImagePreparer images)
    : KimiGenerate.KimiGenerateBase
{
    public const string RequestIdHeader = "kimi-request-id";

    public override async Task Generate(
        GenerateTextRequest request, IServerStreamWriter<GenerateTextResponse> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var model = await ModelAsync(context);
        GenerationPlan plan;
        try
        {
            plan = await GenerationPlanner.PlanAsync(request, model, images, context.CancellationToken);
        }
        catch (ApiException error)
        {
            throw GrpcErrors.From(error, context);
        }
        using var entry = requests.TryRegister(plan.RequestId, context.CancellationToken)
            ?? throw new RpcException(new Status(StatusCode.AlreadyExists, $"request_id: '{plan.RequestId}' is already in flight"));
        try
        {
            await context.WriteResponseHeadersAsync(new Metadata { { RequestIdHeader, plan.RequestId } });
            await TextResponseStream.WriteAsync(worker, plan, model.Text, responseStream, Deadline(context), entry.Token);
        }
        catch (OperationCanceledException) when (entry.WasAborted)
        {
            throw new RpcException(new Status(StatusCode.Cancelled, $"request '{plan.RequestId}' was aborted"));
        }
        catch (Exception error) when (error is ApiException or OperationCanceledException)
        {
            throw GrpcErrors.From(error, context);
        }
    }

    public override Task<AbortResponse> Abort(AbortRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Task.FromResult(new AbortResponse { Found = requests.Abort(request.RequestId) });
    }

    public override async Task<TokenizeResponse> Tokenize(TokenizeRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var tokenizer = (await ModelAsync(context)).Text.Tokenizer ?? throw GrpcErrors.NoTokenizer("text cannot be tokenized");
        var response = new TokenizeResponse();
        response.TokenIds.AddRange(tokenizer.Encode(request.Text, request.AllowSpecialTokens));
        return response;
    }

    public override async Task<DetokenizeResponse> Detokenize(DetokenizeRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var tokenizer = (await ModelAsync(context)).Text.Tokenizer ?? throw GrpcErrors.NoTokenizer("token ids cannot be detokenized");
        foreach (int id in request.TokenIds)
        {
            if (id < 0 || id >= tokenizer.VocabSize)
                throw GrpcErrors.Invalid("token_ids", $"{id} is not a token id of this model (0..{tokenizer.VocabSize - 1})");
        }
        return new DetokenizeResponse { Text = tokenizer.Decode(request.TokenIds, request.SkipSpecialTokens) };
    }

    public override async Task<ListModelsResponse> ListModels(ListModelsRequest request, ServerCallContext context)
    {
        var info = (await ModelAsync(context)).Info;
        var response = new ListModelsResponse();
        response.Models.Add(new ServedModelCard
        {
            Id = info.ModelId, MaxContextLength = info.MaxPositionEmbeddings, VocabSize = info.VocabSize, Created = info.Created,
        });
        return response;
    }

    private async Task<ServedModel> ModelAsync(ServerCallContext context)
    {
        try
        {
            return await models.GetAsync(context.CancellationToken);
        }
        catch (ApiException error)
        {
            throw GrpcErrors.FromApi(error);
        }
    }

    /// <summary>No deadline reads as DateTime.MaxValue; the worker call then gets none either.</summary>
    private static DateTime? Deadline(ServerCallContext context) =>
        context.Deadline == DateTime.MaxValue ? null : context.Deadline;
}
