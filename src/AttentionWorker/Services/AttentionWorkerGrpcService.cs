using Grpc.Core;
using Kimi.Cluster.AttentionWorker.Batching;
using Kimi.Cluster.AttentionWorker.Generation;
using Kimi.Cluster.AttentionWorker.Requests;
using Kimi.Cluster.Contracts.V1;
using Contract = Kimi.Cluster.Contracts.V1.AttentionWorker;
using Domain = Kimi.Cluster.Model.Engine;

namespace Kimi.Cluster.AttentionWorker.Services;

/// <summary>
/// The AttentionWorker gRPC service: a thin adapter that validates and maps each call,
/// hands it to the batcher (which admits or refuses it at once), and streams the sampled tokens back.
/// </summary>
public sealed partial class AttentionWorkerGrpcService(
    GenerationBatcher batcher, IBatchGenerator generator, WorkerStatsReporter stats, ILogger<AttentionWorkerGrpcService> logger)
    : Contract.AttentionWorkerBase
{
    public override Task<ModelInfo> GetModelInfo(GetModelInfoRequest request, ServerCallContext context) =>
        Task.FromResult(GenerateResponseMapper.ToProto(generator.Model));

    public override Task<WorkerStats> GetStats(GetStatsRequest request, ServerCallContext context) =>
        Task.FromResult(stats.Report());

    public override async Task Generate(
        GenerateRequest request, IServerStreamWriter<GenerateResponse> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var pending = Enqueue(await MapAsync(request), context.CancellationToken);
        var stream = new GenerationStream(responseStream, pending.Request.PromptTokenIds.Count);
        try
        {
            await stream.WriteTokensAsync(pending.Tokens, context.CancellationToken);
            var result = await pending.Result.WaitAsync(context.CancellationToken);
            if (result.FinishReason == Kimi.Cluster.Scheduling.FinishReason.Cancelled)
                throw context.CancellationToken.IsCancellationRequested ? WorkerErrors.ClientCancelled() : WorkerErrors.ShuttingDown();
            await stream.WriteFinalAsync(result, context.CancellationToken);
        }
        catch (InvalidOperationException error) when (!batcher.IsRunning)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, error.Message));
        }
        catch (GenerationFailedException error)
        {
            throw WorkerErrors.GenerationFailed(error);
        }
        catch (Exception error) when (error is not RpcException and not OperationCanceledException)
        {
            // Not a failed step (those come as GenerationFailedException): log it under the id the caller gets.
            LogCallFailed(logger, error, pending.RequestId);
            throw WorkerErrors.GenerationFailed(GenerationFailedException.For(pending.RequestId, error));
        }
    }

    private async Task<Domain.GenerationRequest> MapAsync(GenerateRequest request)
    {
        try
        {
            return await GenerateRequestMapper.ToDomainAsync(request, generator.Model);
        }
        catch (InvalidRequestException error)
        {
            throw WorkerErrors.InvalidArgument(error);
        }
    }

    private PendingGeneration Enqueue(Domain.GenerationRequest domain, CancellationToken cancellation)
    {
        try
        {
            return batcher.Enqueue(domain, cancellation);
        }
        catch (AdmissionRefusedException error)
        {
            throw WorkerErrors.Refused(error.Refusal);
        }
        catch (ArgumentException error)
        {
            throw WorkerErrors.InvalidPrompt(error);
        }
        catch (InvalidOperationException)
        {
            throw WorkerErrors.ShuttingDown();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Generating request {RequestId} failed")]
    private static partial void LogCallFailed(ILogger logger, Exception error, string requestId);
}
